import ArgumentParser
import BackfillAccess
import BackfillCore
import BackfillOrchestrator
import BackfillPluginHost
import BackfillPresentation
import BackfillSettings
import BackfillSetup
import BackfillStore
import Foundation

/// `backfill worker`: fetches the jobs of distributed runs (`backfill run --distributed`).
struct WorkerCommand: AsyncParsableCommand, PresentingCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Fetch the jobs of distributed runs (backfill run --distributed) from a PostgreSQL database.",
        discussion: """
            Claims one job at a time (a range of one symbol/timeframe) with FOR UPDATE SKIP LOCKED and \
            fetches it as a run would: rate-limited, retried, validated, candles and coverage stored in one \
            transaction. The job's lease is renewed every third of --lease-seconds; a job whose worker \
            stopped renewing it (killed, cut off) is claimed again by another worker, and the late worker's \
            writes are refused. All workers of a provider credential share one request budget in the \
            database: together they keep --rate (default: the provider's rate). Run any number, on any \
            machine that reaches the database. SIGINT or SIGTERM: the job in hand finishes, then exit 0; a \
            second signal stops that job after its page in flight and gives it back to the queue.
            """)

    @OptionGroup var plugins: PluginOptions
    @OptionGroup var provider: ProviderOptions
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var config: ConfigOption
    @Option(help: "Requests per second of all workers on this provider credential together (default: the provider's rate).")
    var rate: Double?
    @Option(help: "How long a claim lasts without a heartbeat before another worker may take the job over (default 30).")
    var leaseSeconds: Double?
    @Option(help: "The name this worker shows in backfill workers (default HOST:PID).") var name: String?
    @Option(help: ArgumentHelp("Exit after this many seconds without a job (tests, batch use).", visibility: .hidden))
    var idleExit: Double?
    @Option(help: ArgumentHelp("Base of the exponential backoff between retries, in ms.", visibility: .hidden))
    var backoffMs: Int = 500

    func run() async throws {
        var f = Settings.Flags()
        db.flags(&f)
        plugins.flags(&f)
        provider.flags(&f)
        output.flags(&f, section: "run")
        f.set("run.rate", rate, flag: "--rate")
        f.set("worker.lease_seconds", leaseSeconds, flag: "--lease-seconds")
        f.set("worker.name", name, flag: "--name")
        let settings = try await config.load(f)
        let presenter = try output.presenter(settings, section: "run")
        let work: Setup.WorkerWork
        do {
            work = try Setup.worker(settings, logger: presenter.logger(verbose: plugins.verbose), hide: { presenter.output.hide($0) })
        } catch {
            throw CLIFailure.setup(error)
        }
        let host = ProcessInfo.processInfo.hostName
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        let id = work.name ?? "\(host):\(pid)"
        var options = Worker.Options()
        options.leaseSeconds = work.leaseSeconds
        options.idleExitSeconds = idleExit
        options.retryPolicy = RetryPolicy(base: .milliseconds(max(0, backoffMs)))
        let providerName = work.provider.instance.provider.name
        let limiter = SharedRateLimiter(
            store: work.budget, provider: providerName, credential: CredentialFingerprint.of(work.secrets), rate: work.rate)
        let worker = Worker(
            instance: work.provider.instance, providerConfiguration: work.provider.configuration, store: work.store,
            database: work.database, limiter: limiter, options: options, observers: presenter.observers,
            identity: WorkerRecord(id: id, host: host, pid: pid, provider: providerName))
        let signals = StopSignals { worker.requestStop($0) }
        defer { signals.cancel() }
        presenter.output.err(
            "worker \(id): \(providerName) jobs from \(work.database), \(NumberFormat.decimal(work.rate)) requests/s shared")
        do {
            let done = try await worker.run()
            presenter.output.err("worker \(id): \(done) jobs done; exiting")
        } catch {
            throw CLIFailure.failed("worker \(id): \(error.message)")
        }
    }
}

/// `backfill workers`: the live workers and the job queue.
struct WorkersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workers", abstract: "List the workers of distributed runs (host, pid, job, last heartbeat) and the job queue.")

    @OptionGroup var db: DatabaseOptions
    @OptionGroup var config: ConfigOption
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let store = try await db.open(config)
        guard let queue = store as? any WorkQueue else {
            throw CLIFailure.usage(
                "backfill workers needs a PostgreSQL database (workers share its job queue); this one is \(store.backend)")
        }
        let (workers, counts, now): ([WorkerRecord], [JobState: Int], Int64)
        do { (workers, counts, now) = (try queue.workers(), try queue.jobCounts(), try queue.databaseNow()) } catch {
            throw CLIFailure.failed(error.message)
        }
        if json {
            let doc = JSON.object([
                (
                    "workers",
                    .array(
                        workers.map {
                            .object([
                                ("id", .string($0.id)), ("host", .string($0.host)), ("pid", .int(Int64($0.pid))),
                                ("provider", .string($0.provider)), ("job", $0.job.map { .int($0) } ?? .null),
                                ("jobs_done", .int(Int64($0.jobsDone))), ("heartbeat", .string(UTCTime.iso($0.heartbeatAt))),
                                ("seconds_since_heartbeat", .number(Double(now - $0.heartbeatAt) / 1000)),
                            ])
                        })
                ),
                ("jobs", .object(JobState.allCases.map { ($0.rawValue, .int(Int64(counts[$0] ?? 0))) })),
            ])
            print(doc.text(indent: 2))
            return
        }
        print("Workers: \(workers.count)")
        for w in workers {
            let ago = NumberFormat.decimal((Double(now - w.heartbeatAt) / 100).rounded() / 10)
            print(
                "  \(w.id)  host=\(w.host) pid=\(w.pid) provider=\(w.provider) job=\(w.job.map(String.init) ?? "-") done=\(w.jobsDone) heartbeat \(ago) s ago"
            )
        }
        print("Jobs: " + JobState.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: ", "))
    }
}
