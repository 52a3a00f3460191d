import BackfillTestSupport
import Foundation
import Testing

/// The kernels' C checks (CPrograms/kernel_check.c: TA-Lib's vectors, vector against scalar,
/// per-kernel against fused, streams, exact fallbacks, invalid bars) built outside SwiftPM: for
/// this machine's paths, and cross-compiled for AArch64 and run under qemu-aarch64, which proves
/// the NEON path on a machine that has no arm64 CPU (speed there is unmeasured).
@Suite("Kernels in C, native and under emulation")
struct KernelEmulationTests {
    static let root = Fixtures.packageRoot
    static let sources: [String] = {
        let dir = root + "/CSources/BackfillKernels"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return files.filter { $0.hasSuffix(".c") }.sorted().map { dir + "/" + $0 }
    }()
    static let qemu = ["/usr/bin/qemu-aarch64", "/usr/bin/qemu-aarch64-static"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let sysroot = "/usr/aarch64-linux-gnu"
    static let crossReady = qemu != nil && FileManager.default.fileExists(atPath: sysroot + "/lib/ld-linux-aarch64.so.1")

    static func build(_ output: String, target: [String]) throws -> ProcessOutput {
        let k = root + "/CSources/BackfillKernels"
        return try Run.program(
            "/usr/bin/env",
            ["clang"] + target + [
                "-std=c11", "-O2", "-Wall", "-Werror", "-I", k + "/include", "-I", k,
                root + "/Tests/EndToEndTests/CPrograms/kernel_check.c",
            ] + sources + ["-lm", "-o", output])
    }

    @Test("natively: every path this CPU runs passes the checks")
    func native() throws {
        let dir = TemporaryDirectory("backfill-kcheck")
        let built = try Self.build(dir.path + "/kc", target: [])
        #expect(built.status == 0, "\(built.stderr)")
        let out = try Run.program(dir.path + "/kc", [Fixtures.fixturesDir + "/features"])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("path scalar: per-kernel, stream, fallbacks and invalid bars checked"))
        #expect(out.stdout.contains(", 0 failures"), "\(out.stdout)")
    }

    @Test(
        "AArch64 under qemu: the NEON path (vector instructions, not scalar code) passes the same checks",
        .enabled(if: crossReady || ProcessInfo.processInfo.environment["CI"] != nil))
    func neonUnderQemu() throws {
        let qemu = try #require(Self.qemu, "qemu-aarch64 missing: apt-get install qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross")
        let dir = TemporaryDirectory("backfill-kcheck")
        let exe = dir.path + "/kc-arm64"
        let built = try Self.build(exe, target: ["--target=aarch64-linux-gnu"])
        #expect(built.status == 0, "\(built.stderr)")
        // The NEON run function is vector code: fused multiply-adds on two-double registers.
        let dump = try Run.program("/usr/bin/env", ["aarch64-linux-gnu-objdump", "-d", "--no-show-raw-insn", exe])
        let neonRun =
            dump.stdout.components(separatedBy: "<bf_v1_run_neon>:").dropFirst().first?.components(separatedBy: "\n\n").first ?? ""
        let vectorOps = neonRun.split(separator: "\n").filter { $0.contains("fmla") && $0.contains(".2d") }.count
        #expect(vectorOps > 20, "bf_v1_run_neon has \(vectorOps) vector FMAs")
        let out = try Run.program(qemu, ["-L", Self.sysroot, exe, Fixtures.fixturesDir + "/features"])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("path neon: per-kernel, stream, fallbacks and invalid bars checked"), "\(out.stdout)")
        #expect(out.stdout.contains("neon btcperp_1m: 10000 bars checked"))
        #expect(out.stdout.contains("kernel_check: 2 paths, ") && out.stdout.contains(", 0 failures"), "\(out.stdout)")
    }
}
