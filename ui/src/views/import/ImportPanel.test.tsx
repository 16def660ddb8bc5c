import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { IMPORT_DIR } from "../../api/mock/imports";
import { renderWithApi } from "../../test/render";
import { ServicesView } from "../services/ServicesView";

const PC = `${IMPORT_DIR}/process-compose.yaml`;
const PROCFILE = `${IMPORT_DIR}/Procfile`;

/** The Services view with the import panel opened from its button, as a user would. */
async function openImport() {
  const user = userEvent.setup();
  const rendered = renderWithApi(<ServicesView />);
  await screen.findByTestId("service-web");
  await user.click(screen.getByRole("button", { name: "Import file" }));
  return { user, ...rendered };
}

const applyButton = () => screen.getByRole("button", { name: "Apply" });
const table = (name: string | RegExp) => screen.getByRole("table", { name });
const rows = (name: string | RegExp) =>
  within(table(name)).getAllByRole("row").slice(1).map((r) => [...r.querySelectorAll("th, td")].map((c) => c.textContent));

/** The message shown at a field, through its `aria-describedby`. */
function fieldError(label: string): string | null {
  const input = screen.getByLabelText(label);
  if (input.getAttribute("aria-invalid") !== "true") return null;
  const ids = input.getAttribute("aria-describedby")!.split(" ");
  return ids.map((id) => document.getElementById(id)).find((el) => el?.className === "field-error")?.textContent ?? null;
}

describe("the import panel", () => {
  it("opens from the Services view with the path field focused", async () => {
    await openImport();
    expect(screen.getByRole("region", { name: "Import a file" })).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText("File path"));
  });

  it("previews a file: the services and dependencies it would create and the fields not mapped, changing nothing", async () => {
    const { user, api } = await openImport();
    await user.type(screen.getByLabelText("File path"), PC);
    await user.click(screen.getByRole("button", { name: "Preview" }));
    expect((await screen.findByRole("status")).textContent).toBe(
      "Preview: would import 2 services as process-compose. Nothing has changed yet.",
    );
    expect(rows("Services")).toEqual([["postgres", "to create"], ["worker", "to create"]]);
    expect(rows("Dependencies")).toEqual([["worker", "postgres", "to create"]]);
    expect(rows("Not mapped (2)")).toEqual([
      ["top level", "log_location", expect.stringMatching(/its own log/)],
      ["worker", "availability.max_restarts", "nexsock does not cap restarts"],
    ]);
    expect(api.engine.requests.filter((r) => r.type === "import").map((r) => r.data)).toEqual([
      { path: PC, format: null, dry_run: true, port_base: null },
    ]);
    expect(api.engine.services.has("postgres")).toBe(false);
    expect(screen.queryByTestId("service-postgres")).toBeNull();
  });

  it("applies the previewed file: its services appear in the Services table", async () => {
    const { user, api } = await openImport();
    await user.type(screen.getByLabelText("File path"), `${PC}{Enter}`);
    await screen.findByRole("table", { name: "Services" });
    await user.click(applyButton());
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Imported 2 services as process-compose."));
    expect(rows("Services")).toEqual([["postgres", "created"], ["worker", "created"]]);
    expect(within(await screen.findByTestId("service-postgres")).getByText("stopped")).toBeTruthy();
    expect(screen.getByTestId("service-worker")).toBeTruthy();
    expect(api.engine.edges.some((e) => e.service === "worker" && e.depends_on === "postgres")).toBe(true);
    // Done: applying again takes a new preview.
    expect(applyButton().hasAttribute("disabled")).toBe(true);
  });

  it("keeps Apply disabled until a preview of the same inputs", async () => {
    const { user } = await openImport();
    expect(applyButton().hasAttribute("disabled")).toBe(true);
    await user.type(screen.getByLabelText("File path"), PC);
    expect(applyButton().hasAttribute("disabled")).toBe(true);
    await user.click(screen.getByRole("button", { name: "Preview" }));
    await waitFor(() => expect(applyButton().hasAttribute("disabled")).toBe(false));
    await user.selectOptions(screen.getByLabelText("Format"), "compose");
    expect(applyButton().hasAttribute("disabled")).toBe(true);
    expect(screen.getByText("The inputs changed since the preview: preview again to apply.")).toBeTruthy();
    await user.selectOptions(screen.getByLabelText("Format"), "");
    expect(applyButton().hasAttribute("disabled")).toBe(false);
  });

  it("shows a file that cannot be read at the path field, and a relative path too", async () => {
    const { user } = await openImport();
    const path = screen.getByLabelText("File path");
    await user.type(path, "/nowhere/process-compose.yaml{Enter}");
    await waitFor(() => expect(fieldError("File path")).toMatch(/^cannot read \/nowhere\/process-compose\.yaml/));
    expect(applyButton().hasAttribute("disabled")).toBe(true);
    await user.clear(path);
    await user.type(path, "process-compose.yaml{Enter}");
    await waitFor(() => expect(fieldError("File path")).toBe("`process-compose.yaml` is not an absolute path"));
    expect(document.querySelector(".import-report")).toBeNull();
  });

  it("clears a preview that a failed request no longer vouches for", async () => {
    const { user } = await openImport();
    await user.type(screen.getByLabelText("File path"), `${PROCFILE}{Enter}`);
    await waitFor(() => expect(applyButton().hasAttribute("disabled")).toBe(false));
    await user.selectOptions(screen.getByLabelText("Format"), "process-compose");
    await user.click(screen.getByRole("button", { name: "Preview" }));
    await waitFor(() => expect(fieldError("File path")).toMatch(/processes: missing/));
    await user.selectOptions(screen.getByLabelText("Format"), "");
    expect(applyButton().hasAttribute("disabled")).toBe(true);
  });
});

describe("the port base", () => {
  it("is shown for a Procfile only", async () => {
    const { user } = await openImport();
    const path = screen.getByLabelText("File path");
    await user.type(path, PC);
    expect(screen.queryByLabelText("Port base")).toBeNull();
    await user.selectOptions(screen.getByLabelText("Format"), "procfile");
    expect(screen.getByLabelText("Port base")).toBeTruthy();
    await user.selectOptions(screen.getByLabelText("Format"), "");
    await user.clear(path);
    // Detection reads a file named Procfile as one.
    await user.type(path, PROCFILE);
    expect(screen.getByLabelText("Port base")).toBeTruthy();
  });

  it("gives each process a PORT, so the command's $PORT is no longer reported", async () => {
    const { user, api } = await openImport();
    await user.type(screen.getByLabelText("File path"), `${PROCFILE}{Enter}`);
    await screen.findByRole("table", { name: "Not mapped (1)" });
    expect(rows("Not mapped (1)")).toEqual([
      ["rails", "PORT", expect.stringMatching(/\$PORT/)],
    ]);
    await user.type(screen.getByLabelText("Port base"), "5000{Enter}");
    await screen.findByText("Every field of the file was mapped.");
    await user.click(applyButton());
    await screen.findByTestId("service-sidekiq");
    expect(api.engine.service("rails").spec.port).toBe(5000);
    expect(api.engine.service("sidekiq").spec.port).toBe(5100);
  });

  it("previews a process whose port another service declares with a warning, applying nothing", async () => {
    const { user, api } = await openImport();
    await user.type(screen.getByLabelText("File path"), PROCFILE);
    // rails gets 3000, which the demo's web declares; sidekiq's 3100 is free.
    await user.type(screen.getByLabelText("Port base"), "3000{Enter}");
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe("rails, web declare port 3000: they cannot run at the same time.");
    expect(within(alert).getAllByText(/ declare port /)).toHaveLength(1);
    expect(screen.getByRole("status").textContent).toMatch(/^Preview:/);
    expect(api.engine.services.has("rails")).toBe(false);
  });

  it("refuses one that is not a port at its field, without asking the engine", async () => {
    const { user, api } = await openImport();
    await user.type(screen.getByLabelText("File path"), PROCFILE);
    await user.type(screen.getByLabelText("Port base"), "70000{Enter}");
    expect(fieldError("Port base")).toBe("port base `70000` is not a port: a whole number from 1 to 65535");
    expect(api.engine.requests.some((r) => r.type === "import")).toBe(false);
  });
});

it("closes and gives the focus back to its button", async () => {
  const { user } = await openImport();
  await user.click(screen.getByRole("button", { name: "Close" }));
  expect(screen.queryByRole("region", { name: "Import a file" })).toBeNull();
  expect(document.activeElement).toBe(screen.getByRole("button", { name: "Import file" }));
});
