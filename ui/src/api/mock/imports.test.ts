import { describe, expect, it } from "vitest";
import type { Event } from "../types/Event";
import type { ImportRequest } from "../types/ImportRequest";
import { IMPORT_DIR, readProcfile } from "./imports";
import { MockApi } from "./mockApi";

const PC = `${IMPORT_DIR}/process-compose.yaml`;
const PROCFILE = `${IMPORT_DIR}/Procfile`;

const request = (path: string, extra: Partial<ImportRequest> = {}): ImportRequest => ({
  path, format: null, dry_run: false, port_base: null, ...extra,
});

function recorded(api: MockApi): Event[] {
  const events: Event[] = [];
  api.subscribe((e) => events.push(e));
  return events;
}

describe("the mock engine's import", () => {
  it("sends `import` and answers the report of a dry run, changing nothing and announcing nothing", async () => {
    const api = new MockApi();
    const events = recorded(api);
    const report = await api.importFile(request(PC, { dry_run: true }));
    expect(api.engine.requests).toEqual([{ type: "import", data: request(PC, { dry_run: true }) }]);
    expect(report.format).toBe("process-compose");
    expect(report.dry_run).toBe(true);
    expect(report.applied.services).toEqual([
      { name: "postgres", change: "created" }, { name: "worker", change: "created" },
    ]);
    expect(report.applied.dependencies).toEqual([{ service: "worker", depends_on: "postgres", change: "created" }]);
    expect(report.unmapped.map((u) => [u.service, u.field])).toEqual([
      [null, "log_location"], ["worker", "availability.max_restarts"],
    ]);
    expect(api.engine.services.size).toBe(0);
    expect(events).toEqual([]);
  });

  it("applies for real with apply's events, and reports a second import as unchanged", async () => {
    const api = new MockApi();
    const events = recorded(api);
    await api.importFile(request(PC));
    expect(events.map((e) => e.type)).toEqual(["ServiceAdded", "ServiceAdded", "DependencyAdded"]);
    expect(api.engine.edges.map((e) => [e.service, e.depends_on, e.condition])).toEqual([["worker", "postgres", "healthy"]]);
    const again = await api.importFile(request(PC));
    expect(again.applied.services.map((s) => s.change)).toEqual(["unchanged", "unchanged"]);
    expect(again.applied.dependencies.map((d) => d.change)).toEqual(["unchanged"]);
  });

  it("gives a Procfile's processes a PORT from the port base up in steps of 100", async () => {
    const api = new MockApi();
    const report = await api.importFile(request(PROCFILE, { port_base: 5000 }));
    expect(report.unmapped).toEqual([]);
    expect(api.engine.service("rails").spec.port).toBe(5000);
    expect(api.engine.service("sidekiq").spec.env).toEqual({ PORT: "5100" });
  });

  it("reports a Procfile command's $PORT as not mapped without a port base", async () => {
    const report = await new MockApi().importFile(request(PROCFILE, { dry_run: true }));
    expect(report.unmapped).toEqual([{ service: "rails", field: "PORT", reason: expect.stringMatching(/--port-base/) }]);
  });

  it.each([
    ["a relative path", request("process-compose.yaml"), "invalid_argument", "path", /is not an absolute path/],
    ["a path it cannot read", request("/nowhere/Procfile"), "import_invalid", "path", /cannot read \/nowhere\/Procfile/],
    ["an invalid file", request(`${IMPORT_DIR}/broken/process-compose.yaml`), "import_invalid", "path", /processes\.api\.depends_on\.db/],
    ["a file read in another format", request(PROCFILE, { format: "process-compose" }), "import_invalid", "path", /processes: missing/],
    ["a port base for a file that is not a Procfile", request(PC, { port_base: 5000 }), "import_invalid", "port_base", /Procfiles only/],
  ])("refuses %s at its field", async (_, req, code, field, message) => {
    const api = new MockApi();
    await expect(api.importFile(req)).rejects.toMatchObject({ code, field, message: expect.stringMatching(message) });
    expect(api.engine.services.size).toBe(0);
  });
});

describe("readProcfile", () => {
  it("skips comments and blank lines, and names a bad line", () => {
    expect(readProcfile("# web\n\nweb: serve\n", "/p", null)).toMatchObject({ stack: { services: { web: { command: "serve" } } } });
    expect(readProcfile("web: serve\nnot a process\n", "/p", null)).toEqual({ at: "line 2", message: "`not a process` is not `name: command`" });
    expect(readProcfile("web: a\nweb: b\n", "/p", null)).toEqual({ at: "line 2", message: "`web` is declared twice" });
  });
});
