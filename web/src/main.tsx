import { render } from "preact";
import { App } from "./App";
import { loadConfig } from "./config";
import "./style.css";

const root = document.getElementById("app")!;
loadConfig().then(
  () => render(<App />, root),
  (e: unknown) => {
    root.textContent = "The site could not load its configuration: " + String(e);
  },
);
