import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a command's observers write: data and the stage log to stdout, messages to stderr, and
/// at most one progress line, on stderr and only on a terminal.
///
/// Every write goes through one lock, and a line written while the progress line is shown
/// clears it first, so the progress line never interleaves with other output.
public final class TerminalOutput: Sendable {
    private let progressShown = Mutex(false)
    private let masks: Mutex<SecretMask>

    /// - Parameter mask: secrets masked in everything written.
    public init(mask: SecretMask = SecretMask()) { masks = Mutex(mask) }

    /// Masks these values too from now on (a provider's secret options, a database password).
    public func hide(_ secrets: [String]) {
        masks.withLock { $0 = $0.adding(secrets) }
    }

    private var mask: SecretMask { masks.withLock { $0 } }

    /// Whether stderr is a terminal (a progress line is drawn only then).
    public static var stderrIsTerminal: Bool { isatty(2) == 1 }

    /// Writes one line to stdout.
    public func out(_ text: String) { emit(1, text + "\n") }

    /// Writes one line to stderr.
    public func err(_ text: String) { emit(2, text + "\n") }

    /// Draws (or redraws) the progress line on stderr, cut to the terminal's width (a wrapped
    /// line could not be cleared).
    public func progress(_ text: String) {
        let visible = String(mask.apply(text).prefix(max(20, Self.stderrColumns - 1)))
        progressShown.withLock { shown in
            Self.writeAll(2, "\r\u{1B}[2K" + visible)
            shown = true
        }
    }

    /// The width of the terminal on stderr (80 when it cannot be told).
    static var stderrColumns: Int {
        var size = winsize()
        guard ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// Removes the progress line, if shown.
    public func clearProgress() {
        progressShown.withLock { shown in
            if shown { Self.writeAll(2, "\r\u{1B}[2K") }
            shown = false
        }
    }

    private func emit(_ fd: Int32, _ text: String) {
        progressShown.withLock { shown in
            if shown { Self.writeAll(2, "\r\u{1B}[2K") }
            shown = false
            Self.writeAll(fd, mask.apply(text))
        }
    }

    /// Writes all of `text` to a file descriptor.
    public static func writeAll(_ fd: Int32, _ text: String) {
        var copy = text
        copy.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
    }

    /// Writes all of `bytes` to a file descriptor (retrying short writes and EINTR).
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, base + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}
