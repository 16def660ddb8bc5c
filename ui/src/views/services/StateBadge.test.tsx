import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { isDown, SERVICE_STATES } from "../../api/states";
import type { ServiceState } from "../../api/types/ServiceState";
import { StateBadge, stateTitle } from "./StateBadge";

const badge = (state: ServiceState, reason?: string | null) => {
  render(<StateBadge state={state} reason={reason} />);
  return screen.getByText(state);
};

describe("StateBadge", () => {
  it("shows completed in its own colour, with what it means as its title", () => {
    const el = badge("completed");
    expect(el.textContent).toBe("completed");
    expect(el.className).toBe("badge state-completed");
    expect(el.getAttribute("title")).toBe("Completed: exited 0 by itself (a one-shot that did its job); not running");
  });

  it("tells completed from stopped and failed in text, class and title", () => {
    const stopped = badge("stopped");
    const failed = badge("failed", "exited with code 3");
    expect(stopped.className).toBe("badge state-stopped");
    expect(stopped.getAttribute("title")).toBe("Stopped by request, or never run");
    expect(failed.className).toBe("badge state-failed");
    expect(failed.getAttribute("title")).toBe("Its last start or run failed — exited with code 3");
    const titles = (["completed", "stopped", "failed"] as const).map((s) => stateTitle(s));
    expect(new Set(titles).size).toBe(3);
  });

  it("has a distinct class and meaning for every state", () => {
    expect(SERVICE_STATES).toEqual(["stopped", "starting", "ready", "stopping", "failed", "completed"]);
    const classes = SERVICE_STATES.map((s) => badge(s).className);
    expect(new Set(classes).size).toBe(SERVICE_STATES.length);
    expect(new Set(SERVICE_STATES.map((s) => stateTitle(s))).size).toBe(SERVICE_STATES.length);
  });

  it("counts completed as down and startable, like stopped and failed, never as running", () => {
    expect(SERVICE_STATES.filter(isDown)).toEqual(["stopped", "failed", "completed"]);
  });
});
