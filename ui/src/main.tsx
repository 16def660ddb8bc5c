//! Entry point: picks the backend and mounts the window.

import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createApi } from "./api";
import { ApiProvider } from "./ApiContext";
import { App } from "./App";
import { closeOnCtrlW, insideApp } from "./api/tauri";
import "./styles.css";

if (insideApp()) closeOnCtrlW();

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <ApiProvider api={createApi()}>
        <App />
      </ApiProvider>
    </StrictMode>,
  );
}
