import Foundation

/// Paths and helpers the test targets share.
public enum Fixtures {
    /// The package root (found from this source file's location).
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The folder the build put the products in (`backfill`, `lib*Provider.so`): the folder of the
    /// running test bundle, or `BACKFILL_BUILD_DIR`.
    public static let productsDir: String = {
        if let dir = ProcessInfo.processInfo.environment["BACKFILL_BUILD_DIR"] { return dir }
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: exe)
        url.deleteLastPathComponent()
        // On Linux the bundle is a plain executable `BackfillPackageTests.xctest` in the products dir.
        if url.lastPathComponent.hasSuffix(".xctest") { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The built `backfill` executable.
    public static var backfillExecutable: String { productsDir + "/backfill" }

    /// The built replay provider plugin.
    public static var replayPlugin: String { productsDir + "/libReplayProvider.so" }

    /// The bundled sample replay folder.
    public static var sampleReplayDir: String { packageRoot + "/Plugins/Replay/Samples" }

    /// Test data copied from shared/data with provenance (see Tests/Fixtures/SOURCE.md).
    public static var fixturesDir: String { packageRoot + "/Tests/Fixtures" }

    /// The shared ABI header folder, for compiling C plugins outside SwiftPM.
    public static var abiIncludeDir: String { packageRoot + "/CSources/BackfillABI/include" }

    /// A field of a fixture file as a number (`try Fixtures.value(f[0]) as Int64`).
    ///
    /// - Throws: ``BadField`` naming the text when it is not one.
    public static func value<T: LosslessStringConvertible>(_ text: some StringProtocol) throws -> T {
        guard let v = T(String(text)) else { throw BadField(text: String(text)) }
        return v
    }

    /// A fixture field that does not parse.
    public struct BadField: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "not a number in a fixture: '\(text)'" }
    }
}

/// A temporary folder removed when the value is released.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init(_ prefix: String = "backfill-test") {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        let dir = "\(base)/\(prefix)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        path = dir
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `relative` (creating folders) and returns the full path.
    @discardableResult
    public func write(_ relative: String, _ text: String) throws -> String {
        let full = path + "/" + relative
        let folder = (full as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
        return full
    }

    /// Copies a file into `relative` and returns the full path.
    @discardableResult
    public func copy(_ source: String, to relative: String) throws -> String {
        let full = path + "/" + relative
        let folder = (full as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: full) { try FileManager.default.removeItem(atPath: full) }
        try FileManager.default.copyItem(atPath: source, toPath: full)
        return full
    }
}

/// The result of running a program.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs programs the way a user does.
public enum Run {
    /// Runs `executable` with `arguments`, waits, and returns its exit status and output.
    public static func program(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil
    ) throws -> ProcessOutput {
        let (process, out, err) = try start(executable, arguments, environment: environment, directory: directory)
        // Read both pipes while the process runs so a large output cannot block it.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        group.enter()
        DispatchQueue.global().async {
            outData = out.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return ProcessOutput(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Starts `executable` with the test's environment plus `environment`, stdin empty, stdout
    /// and stderr on pipes the caller reads.
    static func start(_ executable: String, _ arguments: [String], environment: [String: String], directory: String?) throws
        -> (Process, Pipe, Pipe)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = hermetic(ProcessInfo.processInfo.environment)
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, out, err)
    }

    /// The test's environment without the configuration a developer's shell may carry (a
    /// `BACKFILL_RUN_...` setting, `DATABASE_URL`, a configuration file under `~/.config`), so
    /// a test sees only what it sets.
    static func hermetic(_ environment: [String: String]) -> [String: String] {
        let sections = ["DATABASE", "PLUGINS", "PROVIDER", "RUN", "FEATURES", "SERVE", "WORKER"].map { "BACKFILL_\($0)_" }
        var env = environment.filter { name, _ in
            !sections.contains { name.hasPrefix($0) }
                && !["BACKFILL_CONFIG", "DATABASE_URL", "POLYGON_API_KEY", "MASSIVE_API_KEY", "BACKFILL_REPLAY_DIR"].contains(name)
        }
        env["XDG_CONFIG_HOME"] = "/nonexistent/backfill-test-config"
        return env
    }

    /// Runs the built `backfill` executable.
    public static func backfill(
        _ arguments: [String], environment: [String: String] = [:], directory: String? = nil
    ) throws -> ProcessOutput {
        try program(Fixtures.backfillExecutable, arguments, environment: environment, directory: directory)
    }

    /// Compiles a C plugin with the system compiler, outside SwiftPM, and returns the .so path.
    public static func compilePlugin(source: String, output: String, defines: [String] = []) throws -> String {
        let result = try program(
            "/usr/bin/env",
            ["cc", "-std=c11", "-Wall", "-Werror", "-shared", "-fPIC", "-I", Fixtures.abiIncludeDir]
                + defines.map { "-D" + $0 } + ["-o", output, source])
        guard result.status == 0 else {
            throw CompileError(message: "cc failed for \(source): \(result.stderr)")
        }
        return output
    }

    public struct CompileError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }
}
