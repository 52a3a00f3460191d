import BackfillCore
import BackfillOrchestrator
import BackfillPluginHost
import Testing

@testable import BackfillPresentation

@Suite("Presentation")
struct PresentationTests {
    @Test("numbers and durations read as the scripts printed them")
    func formats() {
        #expect(Format.group(1_234_567) == "1,234,567" && Format.group(-1000) == "-1,000" && Format.group(12) == "12")
        #expect(Format.duration(2.54) == "2.5s" && Format.duration(12.4) == "12s" && Format.duration(75) == "1m 15s")
        #expect(Format.duration(3725.4) == "1h 2m 5s" && Format.duration(.milliseconds(300)) == "0.3s")
        #expect(Format.rate(5.0 / 60) == "0.083" && Format.rate(2.5) == "2.5" && Format.rate(100) == "100")
        #expect(Format.count(1, "request") == "1 request" && Format.count(2, "retry", "retries") == "2 retries")
    }

    @Test("the progress ETA follows the rate limit from the first request, and the pace when that is slower")
    func progressETA() {
        // The free plan: 5 requests a minute, 60 planned, the first done at once.
        let first = ProgressObserver.text(
            stage: .fetch, requests: 1, planned: 60, candles: 5_000, elapsed: 0.2, rate: 5.0 / 60, waiting: nil)
        #expect(first.hasPrefix("[........................] 1/60 requests  5,000 candles"))
        #expect(first.hasSuffix("ETA 11m 48s"))  // 59 requests at 12 s each
        // Unlimited rate, half done in 10 s: the pace says 10 s more.
        let pace = ProgressObserver.text(stage: .fetch, requests: 50, planned: 100, candles: 1, elapsed: 10, rate: 0, waiting: nil)
        #expect(pace.contains("[############............] 50/100 requests") && pace.hasSuffix("ETA 10s"))
        // More requests than planned (pagination beyond the estimate): a full bar, no negative ETA.
        let over = ProgressObserver.text(stage: .fetch, requests: 120, planned: 100, candles: 1, elapsed: 10, rate: 0, waiting: nil)
        #expect(over.contains("] 120/120 requests") && over.hasSuffix("ETA 0.0s"))
        let wait = ProgressObserver.text(
            stage: .refill, requests: 3, planned: 0, candles: 10, elapsed: 1, rate: 1, waiting: ("SPY/1d rate_limited, retry 1", 12))
        #expect(wait == "refill: 3 requests  10 candles  10/s  (SPY/1d rate_limited, retry 1 in 12s)")
    }

    @Test("secrets are masked wherever they appear; short values are left alone")
    func masking() {
        let mask = SecretMask(["hunter2-key", "abc"]).adding(["s3cr3t"])
        #expect(mask.apply("key=hunter2-key and s3cr3t, abc") == "key=*** and ***, abc")
        #expect(SecretMask().apply("nothing") == "nothing")
    }

    @Test("every event becomes a JSON line with its name and fields; a gap list adds one gap_found line per gap")
    func jsonLines() throws {
        let key = PairKey(try Symbol("SPY"), .d1)
        let gap = Gap(symbol: key.symbol, timeframe: .d1, gapClass: .suspect, first: 0, last: 86_400_000, missing: 2)
        let lines = JSONLogObserver.lines(.gapsDetected(key, [gap]))
        #expect(lines.map { $0.1 } == ["gaps_detected", "gap_found"])
        #expect(
            JSON.object(lines[1].2).text()
                == #"{"symbol":"SPY","timeframe":"1d","class":"suspect","start":"1970-01-01T00:00:00Z","end":"1970-01-02T00:00:00Z","missing":2}"#
        )
        #expect(lines[1].0 == "warning")
        let retry = JSONLogObserver.lines(
            .retry(
                RunEvent.Retry(
                    subject: "SPY/1d", kind: .rateLimited, message: "slow down", attempt: 1, maxRetries: 5, wait: .milliseconds(1500),
                    providerAsked: true)))
        #expect(retry.count == 1 && retry[0].0 == "warning" && retry[0].1 == "retry")
        #expect(
            JSON.object(retry[0].2).text()
                == #"{"subject":"SPY/1d","kind":"rate_limited","message":"slow down","attempt":1,"max_retries":5,"wait_seconds":1.5,"provider_asked":true}"#
        )
    }

    @Test("the matrix marks interrupted pairs ? and says so in its legend only then")
    func matrixLegend() throws {
        var report = RunReport()
        report.symbols = [try Symbol("SPY")]
        report.timeframes = [.h1, .d1]
        var done = PairReport(symbol: try Symbol("SPY"), timeframe: .d1)
        done.status = .complete
        var stopped = PairReport(symbol: try Symbol("SPY"), timeframe: .h1)
        stopped.status = .interrupted
        report.pairs = [stopped, done]
        let text = MatrixText.text(report: report)
        #expect(text.contains("SPY     ?     ✓"))
        #expect(text.hasSuffix("~ only provider_empty or pending gaps   ? not checked (the run was interrupted)"))
        report.pairs = [done]
        #expect(!MatrixText.text(report: report).contains("not checked"))
    }
}
