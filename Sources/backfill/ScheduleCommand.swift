import ArgumentParser
import BackfillCore
import BackfillSetup
import BackfillStore
import Foundation

/// `backfill schedule`: the jobs `backfill serve` fires on cron schedules.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule", abstract: "Add, list and remove the schedules backfill serve fires.",
        discussion: """
            A schedule is a run or a features job on a five-field cron expression in a time zone, kept in the \
            database: backfill schedule add --name nightly --cron "0 2 * * *" -- run --timeframes 1m,1h,1d. \
            The seed's two jobs are "0 2 * * *" (run) and "30 3 * * *" (features), in UTC.
            """,
        subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a schedule: after --, the job (run or features) with its options.",
            discussion: """
                run takes run's options about what to fetch (--symbols, --timeframes, --days or --start/--end, \
                --concurrency, --rate, --retries, --settle-hours, --page-size, --wait-lock, --events, --features, --force, \
                --results, --provider, --provider-option, --replay-dir); features takes --symbols, --timeframes, \
                --concurrency. The database, plugins and logging are the server's own.
                """)

        @Option(help: "Its name (1 to 64 letters, digits and . _ -).") var name: String
        @Option(help: "Five fields: minute hour day-of-month month day-of-week (or @daily, @hourly, ...).") var cron: String
        @Option(help: "The IANA time zone the cron times are in.") var timezone = "UTC"
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var config: ConfigOption
        @Argument(parsing: .postTerminator, help: "The job: run [options] or features [options].") var job: [String] = []

        func run() async throws {
            let fields = try Self.fields(job)
            let record: ScheduleRecord
            do {
                record = try Setup.schedule(
                    name: name, cron: cron, timezone: timezone, job: fields, command: job.joined(separator: " "), now: UTCTime.now())
            } catch {
                throw CLIFailure.setup(error)
            }
            let settings = try await db.settings(config)
            // The fields' values are checked as a run's would be.
            var checked = fields.flags
            db.flags(&checked)
            _ = try await config.load(checked)
            let store = try db.open(settings)
            do { try store.insertSchedule(record) } catch { throw CLIFailure.store(error) }
            try? store.appendAudit(AuditEntry(at: UTCTime.now(), keyName: "cli", action: "schedule.add", detail: name))
            let next = Setup.nextFires(record, after: UTCTime.now(), count: 3).map(UTCTime.iso).joined(separator: ", ")
            print("added \(name): \(record.command) at '\(cron)' \(timezone); next: \(next.isEmpty ? "never" : next)")
        }

        /// The job after `--` as fields.
        static func fields(_ argv: [String]) throws(CLIFailure) -> JobFields {
            guard let first = argv.first, let kind = JobFields.Job(rawValue: first) else {
                throw .usage("after --, give the job: run [options] or features [options]")
            }
            let rest = Array(argv.dropFirst())
            do {
                switch kind {
                case .run: return try runFields(try RunArguments.parse(rest))
                case .features: return try featureFields(try FeatureJobArguments.parse(rest))
                }
            } catch let error as CLIFailure {
                throw error
            } catch let error as SetupError {
                throw .setup(error)
            } catch {
                let message = kind == .run ? RunArguments.message(for: error) : FeatureJobArguments.message(for: error)
                throw .usage("the schedule's \(kind.rawValue) options: \(message)")
            }
        }

        static func runFields(_ a: RunArguments) throws -> JobFields {
            let serverOwn: [(Bool, String)] = [
                (a.db.database != nil, "--database"), (a.db.dbRetrySeconds != nil, "--db-retry-seconds"),
                (!a.plugins.pluginDirs.isEmpty, "--plugin-dir"), (a.plugins.isolation != nil, "--isolation"),
                (a.plugins.requestTimeout != nil, "--request-timeout"), (a.plugins.providerMemoryLimit != nil, "--provider-memory-limit"),
                (a.output.logFormat != nil, "--log-format"), (a.output.quiet, "--quiet"), (a.config.config != nil, "--config"),
                (a.flags.record != nil, "--record"), (a.range.clock != nil, "--clock"),
            ]
            if let (_, flag) = serverOwn.first(where: \.0) {
                throw CLIFailure.usage("\(flag) is the server's own setting, not a schedule's; set it where backfill serve runs")
            }
            var f: [String: JobFields.Value] = [:]
            func number(_ name: String, _ v: (any BinaryInteger)?) { if let v { f[name] = .number(Double(Int(v))) } }
            func number(_ name: String, _ v: Double?) { if let v { f[name] = .number(v) } }
            if let s = a.selection.symbols { f["symbols"] = .text(s) }
            if let t = a.selection.timeframes { f["timeframes"] = .text(t) }
            number("days", a.range.days)
            if let s = a.range.start { f["start"] = .text(s) }
            if let e = a.range.end { f["end"] = .text(e) }
            number("settle_hours", a.range.settleHours)
            number("concurrency", a.flags.concurrency)
            number("rate", a.flags.rate)
            number("retries", a.flags.retries)
            number("page_size", a.flags.pageSize)
            number("wait_lock", a.flags.waitLock)
            if a.flags.events { f["events"] = .bool(true) }
            if a.flags.features { f["features"] = .bool(true) }
            if a.flags.force { f["force"] = .bool(true) }
            if let r = a.flags.results { f["results"] = .text(r) }
            if let p = a.provider.provider { f["provider"] = .text(p) }
            var options: [String: String] = [:]
            for item in a.provider.providerOptions {
                guard let eq = item.firstIndex(of: "=") else { continue }
                options[String(item[..<eq])] = String(item[item.index(after: eq)...])
            }
            if let dir = a.provider.replayDir { options["root"] = dir }
            if !options.isEmpty { f["provider_options"] = .map(options) }
            return try JobFields(job: .run, fields: f)
        }

        static func featureFields(_ a: FeatureJobArguments) throws -> JobFields {
            var f: [String: JobFields.Value] = [:]
            if let s = a.symbols { f["symbols"] = .text(s) }
            if let t = a.timeframes { f["timeframes"] = .text(t) }
            if let c = a.concurrency { f["concurrency"] = .number(Double(c)) }
            return try JobFields(job: .features, fields: f)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List schedules with their next three fire times and last run.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var config: ConfigOption

        func run() async throws {
            let store = try await db.open(config)
            let list: [ScheduleRecord]
            do { list = try store.schedules() } catch { throw CLIFailure.store(error) }
            let now = UTCTime.now()
            if json {
                let items = list.map { Setup.json($0, now: now) }
                print(JSON.array(items).text(indent: 2))
                return
            }
            if list.isEmpty {
                Terminal.printError("no schedules; add one with: backfill schedule add --name nightly --cron \"0 2 * * *\" -- run")
                return
            }
            for s in list {
                print("\(s.name)  \(s.cron)  \(s.timezone)  \(s.command)")
                let next = Setup.nextFires(s, after: now, count: 3).map(UTCTime.iso)
                print("  next: \(next.isEmpty ? "never" : next.joined(separator: ", "))")
                if let at = s.lastFireAt {
                    let run = s.lastRunId.map { " run \($0)" } ?? ""
                    print("  last: \(UTCTime.iso(at))\(run) \(s.lastStatus ?? "")")
                }
                if s.skipped > 0 { print("  skipped: \(s.skipped) (the previous run was still going)") }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a schedule (its past runs stay in the runs table).")
        @Argument(help: "The schedule's name.") var name: String
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var config: ConfigOption

        func run() async throws {
            let store = try await db.open(config)
            let removed: Bool
            do { removed = try store.removeSchedule(name: name) } catch { throw CLIFailure.store(error) }
            guard removed else { throw CLIFailure.usage("no schedule named '\(name)' (backfill schedule list)") }
            try? store.appendAudit(AuditEntry(at: UTCTime.now(), keyName: "cli", action: "schedule.remove", detail: name))
            print("removed \(name)")
        }
    }
}

/// What a scheduled features job takes.
struct FeatureJobArguments: ParsableArguments {
    @Option(help: "Comma-separated symbols.") var symbols: String?
    @Option(help: "Comma-separated timeframes.") var timeframes: String?
    @Option(help: "Pairs computed at once.") var concurrency: Int?
}
