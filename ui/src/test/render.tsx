//! Renders a view against a fresh mock engine.

import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { ApiProvider } from "../ApiContext";
import { MockApi } from "../api/mock/mockApi";
import { seedDemo } from "../api/mock/seed";

/** A mock backend with the demo stack (db, cache, api, web) unless `empty`. */
export function demoApi(empty = false): MockApi {
  const api = new MockApi();
  if (!empty) seedDemo(api.engine);
  return api;
}

export function renderWithApi(ui: ReactElement, api: MockApi = demoApi()) {
  return { api, ...render(<ApiProvider api={api}>{ui}</ApiProvider>) };
}
