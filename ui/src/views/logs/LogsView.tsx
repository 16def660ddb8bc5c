//! The Logs view: pick a service, read its tail and then its live output. Search filters the lines
//! (case-insensitively, matches highlighted), Copy puts the shown lines on the clipboard, and the
//! log follows new lines unless the user scrolled up (the Follow checkbox says which).

import { useLayoutEffect, useMemo, useRef, useState } from "react";
import { errorMessage } from "../../api";
import { useApi } from "../../ApiContext";
import { useServices } from "../../hooks/useServices";
import { filterLines, highlight, type LogEntry } from "./filter";
import { useLogs } from "./useLogs";

/** How close to the bottom (in pixels) still counts as following. */
const BOTTOM_SLACK = 8;

export function LogsView() {
  const api = useApi();
  const { services } = useServices();
  const [service, setService] = useState("");
  const [query, setQuery] = useState("");
  const [follow, setFollow] = useState(true);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const { lines, error, loading } = useLogs(service);
  const visible = useMemo(() => filterLines(lines, query), [lines, query]);
  const logRef = useRef<HTMLDivElement>(null);

  useLayoutEffect(() => {
    const el = logRef.current;
    if (follow && el) el.scrollTop = el.scrollHeight;
  }, [visible, follow]);

  const onScroll = () => {
    const el = logRef.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM_SLACK;
    if (atBottom !== follow) setFollow(atBottom);
  };

  const choose = (name: string) => {
    setNotice(null);
    setService(name);
  };

  async function copy() {
    setNotice(null);
    try {
      await api.copyText(visible.map((l) => l.text).join("\n"));
      setNotice({ ok: true, text: `Copied ${visible.length} ${visible.length === 1 ? "line" : "lines"}.` });
    } catch (e) {
      setNotice({ ok: false, text: errorMessage(e) });
    }
  }

  return (
    <section aria-labelledby="logs-title" className="view logs-view">
      <div className="view-header">
        <h2 id="logs-title">Logs</h2>
      </div>
      <div className="log-toolbar">
        <label>
          Service
          <select value={service} onChange={(e) => choose(e.target.value)}>
            <option value="">choose…</option>
            {services.map((s) => <option key={s.name} value={s.name}>{s.name}</option>)}
          </select>
        </label>
        <label>
          Search logs
          <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} disabled={!service} />
        </label>
        <label className="check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} />
          Follow
        </label>
        <button type="button" onClick={() => void copy()} disabled={visible.length === 0}>Copy</button>
        <span className="log-count">{service && `${visible.length} of ${lines.length} lines`}</span>
      </div>
      <p role="status" className="copied">{notice?.ok ? notice.text : null}</p>
      {notice && !notice.ok && <p role="alert" className="error">{notice.text}</p>}
      {error && <p role="alert" className="error">{error}</p>}
      {!service ? (
        <p className="empty">Choose a service to see its output.</p>
      ) : (
        <div role="log" aria-label={`Log of ${service}`} aria-busy={loading} className="log-lines" tabIndex={0}
          ref={logRef} onScroll={onScroll}>
          {visible.map((l) => <Line key={l.id} line={l} query={query} />)}
          {!loading && lines.length === 0 && <p className="empty">No output yet.</p>}
        </div>
      )}
    </section>
  );
}

function Line({ line, query }: { line: LogEntry; query: string }) {
  return (
    <div className={`log-line ${line.stream}`}>
      {line.stream === "stderr" && <span className="stream-tag" title="standard error">err</span>}
      <span className="log-text">
        {highlight(line.text, query).map((p, i) => (p.match ? <mark key={i}>{p.text}</mark> : p.text))}
      </span>
    </div>
  );
}
