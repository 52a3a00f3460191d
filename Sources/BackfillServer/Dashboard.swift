import BackfillReport
import Hummingbird

/// The dashboard at `/`: one page, no build step, nothing from a CDN. It holds no data: its
/// script asks the API with the key entered once per browser session (kept in sessionStorage;
/// a link may carry it as `#key=...`, removed from the address at once) for the matrix heatmap
/// (SVG from `/api/v1/matrix?format=svg`), a series' calendar and gaps when a cell is chosen
/// (`#series=SYMBOL/TF` links to one), the run history with each run's results, the next
/// scheduled fires, and the symbol list with add and deactivate. A link may also name the view:
/// `#start=2020-10-01&end=2021-04-01&timeframes=1h,1d` (or `days`, `symbols`, `provider`).
enum Dashboard {
    static var page: Response {
        var r = Response.text(html, type: "text/html; charset=utf-8")
        r.headers[.cacheControl] = "no-store"
        r.headers[.contentSecurityPolicy] =
            "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:"
        return r
    }

    static let html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Backfill</title>
        <style>\(HTMLReport.style)
        #keybar{display:flex;gap:8px;align-items:center}#status{color:#59636e}.error{color:#d1242f}
        button{cursor:pointer}input{font:inherit;padding:2px 6px}pre{background:#f6f8fa;padding:8px;max-height:400px;overflow:auto}
        tr.run{cursor:pointer}tr.run:hover{background:#f6f8fa}
        </style></head><body>
        <h1>Backfill</h1>
        <form id="keybar"><label>API key <input id="key" type="password" autocomplete="off" size="40"></label>
        <button type="submit">Use</button><button type="button" id="forget">Forget</button><span id="status"></span></form>
        <section><h2>Completeness</h2><div id="matrix"></div>\(Heatmap.legend)</section>
        <section id="drill" hidden><h2 id="drill-title"></h2><div id="calendar"></div><div id="gaps"></div></section>
        <section><h2>Runs</h2><table id="runs"><thead><tr><th>id</th><th>status</th><th>trigger</th><th>started</th>\
        <th>duration</th><th>candles</th><th>gaps left by class</th></tr></thead><tbody></tbody></table><pre id="run-detail" hidden></pre></section>
        <section><h2>Schedules</h2><table id="schedules"><thead><tr><th>name</th><th>cron</th><th>zone</th><th>command</th>\
        <th>next fires</th><th>last status</th><th>skipped</th></tr></thead><tbody></tbody></table></section>
        <section><h2>Symbols</h2>
        <form id="add"><input id="add-symbol" placeholder="AAPL" required size="12">
        <select id="add-class"><option>stock</option><option>etf</option><option>crypto</option><option>forex</option><option>index</option></select>
        <button type="submit">Add</button></form>
        <table id="symbols"><thead><tr><th>symbol</th><th>asset class</th><th>active</th><th></th></tr></thead><tbody></tbody></table></section>
        <script>
        "use strict";
        const $ = (id) => document.getElementById(id);
        const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;","\\"":"&quot;","'":"&#39;"}[c]));
        function params() { return new URLSearchParams(location.hash.slice(1)); }
        (function takeKeyFromLink() {
          const p = params();
          if (p.has("key")) { sessionStorage.setItem("backfill-key", p.get("key")); p.delete("key");
            history.replaceState(null, "", location.pathname + location.search + (p.toString() ? "#" + p.toString() : "")); }
        })();
        // The view's pairs and range, from the link (#start=2020-10-01&end=2021-04-01&timeframes=1h,1d), else the server's defaults.
        function view() {
          const p = params(), q = new URLSearchParams();
          for (const name of ["symbols", "timeframes", "days", "start", "end", "provider"]) if (p.has(name)) q.set(name, p.get(name));
          return q;
        }
        function key() { return sessionStorage.getItem("backfill-key") || ""; }
        function say(text, bad) { const s = $("status"); s.textContent = text; s.className = bad ? "error" : ""; }
        async function api(path, options = {}) {
          const r = await fetch(path, {...options, headers: {...(options.headers || {}), "X-API-Key": key(), "Content-Type": "application/json"}});
          const type = r.headers.get("Content-Type") || "";
          const body = type.startsWith("application/json") ? await r.json() : await r.text();
          if (!r.ok) throw new Error(body && body.error ? body.error.message : r.status + " " + r.statusText);
          return body;
        }
        async function loadMatrix() {
          const q = view(); q.set("format", "svg");
          $("matrix").innerHTML = await api("/api/v1/matrix?" + q.toString());
          for (const cell of document.querySelectorAll("#matrix .cell")) {
            cell.addEventListener("click", () => openSeries(cell.dataset.symbol, cell.dataset.timeframe));
            cell.addEventListener("keydown", (e) => { if (e.key === "Enter") openSeries(cell.dataset.symbol, cell.dataset.timeframe); });
          }
        }
        async function openSeries(symbol, tf) {
          const p = params(); p.set("series", symbol + "/" + tf); history.replaceState(null, "", "#" + p.toString());
          const base = "/api/v1/series/" + encodeURIComponent(symbol) + "/" + encodeURIComponent(tf) + "/sessions";
          const q = view(); q.delete("symbols"); q.delete("timeframes");
          const svgQuery = new URLSearchParams(q); svgQuery.set("format", "svg");
          const [svg, data] = await Promise.all([api(base + "?" + svgQuery.toString()), api(base + "?" + q.toString())]);
          $("drill").hidden = false;
          $("drill-title").textContent = symbol + " " + tf + " by session" + (data.mark ? " (" + data.mark + ")" : "");
          $("calendar").innerHTML = svg;
          $("gaps").innerHTML = data.gaps.length === 0 ? "<p class=\\"none\\">No gaps.</p>" :
            "<table class=\\"gaps\\"><thead><tr><th>class</th><th>first missing bar</th><th>last</th><th>missing</th></tr></thead><tbody>" +
            data.gaps.map((g) => "<tr class=\\"gap\\" data-class=\\"" + esc(g.class) + "\\"><td>" + esc(g.class) + "</td><td>" + esc(g.start) +
              "</td><td>" + esc(g.end) + "</td><td>" + esc(g.missing) + "</td></tr>").join("") + "</tbody></table>";
        }
        async function loadRuns() {
          const data = await api("/api/v1/runs?limit=20");
          $("runs").tBodies[0].innerHTML = data.runs.map((r) => "<tr class=\\"run\\" data-id=\\"" + r.id + "\\" data-status=\\"" + esc(r.status) + "\\"><td>" +
            r.id + "</td><td>" + esc(r.status) + "</td><td>" + esc(r.trigger) + "</td><td>" + esc(r.started_at) + "</td><td>" +
            (r.duration_seconds == null ? "" : r.duration_seconds.toFixed(1) + " s") + "</td><td>" + r.candles + "</td><td>" +
            esc(Object.entries(r.gaps_remaining_by_class).map(([k, v]) => k + " " + v).join(", ")) + "</td></tr>").join("");
          for (const row of document.querySelectorAll("#runs tr.run")) row.addEventListener("click", async () => {
            const d = await api("/api/v1/runs/" + row.dataset.id);
            $("run-detail").hidden = false; $("run-detail").textContent = JSON.stringify(d.results ? d.results.summary : d.run, null, 2);
          });
        }
        async function loadSchedules() {
          const data = await api("/api/v1/schedules");
          $("schedules").tBodies[0].innerHTML = data.schedules.map((s) => "<tr data-name=\\"" + esc(s.name) + "\\"><td>" + esc(s.name) + "</td><td>" +
            esc(s.cron) + "</td><td>" + esc(s.timezone) + "</td><td>" + esc(s.command) + "</td><td>" + s.next_fires.map(esc).join("<br>") +
            "</td><td>" + esc(s.last_status) + "</td><td>" + s.skipped + "</td></tr>").join("");
        }
        async function loadSymbols() {
          const data = await api("/api/v1/symbols");
          $("symbols").tBodies[0].innerHTML = data.symbols.map((s) => "<tr data-symbol=\\"" + esc(s.symbol) + "\\"><td>" + esc(s.symbol) +
            "</td><td>" + esc(s.asset_class) + "</td><td>" + (s.active ? "yes" : "no") + "</td><td>" +
            (s.active ? "<button class=\\"deactivate\\">Deactivate</button>" : "<button class=\\"reactivate\\">Reactivate</button>") + "</td></tr>").join("");
          for (const b of document.querySelectorAll("#symbols button")) b.addEventListener("click", async () => {
            const symbol = b.closest("tr").dataset.symbol, path = "/api/v1/symbols/" + encodeURIComponent(symbol);
            try { await (b.className === "deactivate" ? api(path, {method: "DELETE"}) : api(path, {method: "PATCH", body: "{\\"active\\":true}"})); await loadSymbols(); }
            catch (e) { say(e.message, true); }
          });
        }
        async function loadAll() {
          if (!key()) { say("Enter an API key (backfill keys create --name NAME --scope read)."); return; }
          say("loading…");
          try {
            await Promise.all([loadMatrix(), loadRuns(), loadSchedules(), loadSymbols()]);
            const series = params().get("series");
            if (series && series.includes("/")) { const i = series.lastIndexOf("/"); await openSeries(series.slice(0, i), series.slice(i + 1)); }
            say("updated " + new Date().toLocaleTimeString());
            document.body.dataset.loaded = "true";
          } catch (e) { say(e.message, true); document.body.dataset.loaded = "error"; }
        }
        $("keybar").addEventListener("submit", (e) => { e.preventDefault(); sessionStorage.setItem("backfill-key", $("key").value.trim()); $("key").value = ""; loadAll(); });
        $("forget").addEventListener("click", () => { sessionStorage.removeItem("backfill-key"); say("key forgotten"); });
        $("add").addEventListener("submit", async (e) => {
          e.preventDefault();
          try { await api("/api/v1/symbols", {method: "POST", body: JSON.stringify({symbol: $("add-symbol").value.trim(), asset_class: $("add-class").value})});
            $("add-symbol").value = ""; await loadSymbols(); } catch (err) { say(err.message, true); }
        });
        loadAll();
        </script></body></html>
        """
}
