import { act, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { describe, expect, it, vi } from "vitest";
import { ApiProvider } from "../ApiContext";
import type { Settings } from "../api/types/Settings";
import { demoApi } from "../test/render";
import { useSettings } from "./useStrategies";

describe("useSettings", () => {
  it("reads the settings, then follows SettingsChanged", async () => {
    const api = demoApi();
    const wrapper = ({ children }: { children: ReactNode }) => <ApiProvider api={api}>{children}</ApiProvider>;
    const { result } = renderHook(() => useSettings(), { wrapper });
    await waitFor(() => expect(result.current.settings?.default_strategy).toBe("concurrent"));
    expect(result.current.settings?.login_chain).toBeNull();
    await act(() => api.setLoginChain({ roots: ["db"], strategy: null, max_concurrent: null }));
    expect(result.current.settings?.login_chain).toEqual({ roots: ["db"], strategy: null, max_concurrent: null });
  });

  it("keeps a change announced while the first read was on its way over that older answer", async () => {
    const api = demoApi();
    const older = await api.getSettings();
    let answer: (settings: Settings) => void = () => {};
    vi.spyOn(api, "getSettings").mockReturnValue(new Promise((resolve) => (answer = resolve)));
    const wrapper = ({ children }: { children: ReactNode }) => <ApiProvider api={api}>{children}</ApiProvider>;
    const { result } = renderHook(() => useSettings(), { wrapper });
    await act(() => api.setLoginChain({ roots: ["web"], strategy: null, max_concurrent: null }));
    await act(async () => answer(older));
    expect(result.current.settings?.login_chain).toEqual({ roots: ["web"], strategy: null, max_concurrent: null });
  });
});
