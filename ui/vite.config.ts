// Vite builds the window into ui/dist; Vitest runs the unit tests in jsdom against the mock backend.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  // Relative asset paths, so the build loads from Tauri's custom protocol as well as from a dev server.
  base: "./",
  // elkjs ships as one prebuilt 1.5 MB bundle; it is loaded lazily in its own chunk.
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 1600 },
  // The desktop shell's dev URL; strict so a taken port fails loudly instead of moving.
  server: { port: 1420, strictPort: true },
  test: {
    environment: "jsdom",
    setupFiles: ["src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    // The theme's colours are checked for contrast (src/theme.test.ts), so its CSS is loaded.
    css: { include: [/styles\.css/] },
  },
});
