import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { onSession, session, signOut } from "./auth";
import { Loading } from "./components/ui";
import { Bookings } from "./pages/Bookings";
import { Checkout } from "./pages/Checkout";
import { EventPage } from "./pages/Event";
import { Events } from "./pages/Events";
import { Order } from "./pages/Order";
import { SignIn, SignUp } from "./pages/Account";
import { MyWaitlist } from "./pages/Waitlist";
import { QueuePage } from "./pages/Queue";
import { match, navigate, type Params, useLocation } from "./router";

type Page = ComponentType<{ params: Params; query: URLSearchParams }>;

interface Route {
  path: string;
  page: Page;
  auth?: boolean;
}

const buyer: Route[] = [
  { path: "/", page: Events },
  { path: "/e/:id", page: EventPage },
  { path: "/e/:id/queue", page: QueuePage, auth: true },
  { path: "/checkout/:id", page: Checkout, auth: true },
  { path: "/orders/:id", page: Order, auth: true },
  { path: "/account/bookings", page: Bookings, auth: true },
  { path: "/account/waitlist", page: MyWaitlist, auth: true },
  { path: "/signin", page: SignIn },
  { path: "/signup", page: SignUp },
];

export function useSession() {
  const [s, set] = useState(session());
  useEffect(() => onSession(() => set(session())), []);
  return s;
}

// The organiser console is its own chunk: buyers never download it.
let consoleModule: Promise<typeof import("./console/Console")> | undefined;

function ConsoleLoader({ path, query }: { path: string; query: URLSearchParams }) {
  const [mod, setMod] = useState<typeof import("./console/Console")>();
  useEffect(() => {
    consoleModule ??= import("./console/Console");
    consoleModule.then(setMod);
  }, []);
  return mod ? <mod.Console path={path} query={query} /> : <Loading />;
}

export function App() {
  const { path, query } = useLocation();
  const s = useSession();
  let content;
  if (path === "/console" || path.startsWith("/console/")) {
    content = !s ? <Redirect to={"/signin?next=" + encodeURIComponent(path)} />
      : !s.admin ? <p role="alert">The organiser console is for the admins group; {s.email} is not in it.</p>
      : <ConsoleLoader path={path} query={query} />;
  } else {
    content = <NotFound />;
    for (const r of buyer) {
      const params = match(r.path, path);
      if (!params) continue;
      content = r.auth && !s ? <Redirect to={"/signin?next=" + encodeURIComponent(path + location.search)} />
        : <r.page params={params} query={query} />;
      break;
    }
  }
  // Focus the new page's heading so keyboard and screen-reader users land on it.
  useEffect(() => {
    document.getElementById("page-title")?.focus({ preventScroll: true });
  }, [path]);
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <nav aria-label="Main">
          <a href="/" class="brand">BookMyEvent</a>
          <a href="/">Events</a>
          {s && <a href="/account/bookings">My bookings</a>}
          {s && <a href="/account/waitlist">My waitlist</a>}
          {s?.admin && <a href="/console">Organiser</a>}
          {s ? (
            <button type="button" class="link" onClick={() => { signOut(); navigate("/"); }}>Sign out</button>
          ) : (
            <a href={"/signin?next=" + encodeURIComponent(path)}>Sign in</a>
          )}
        </nav>
      </header>
      <main id="main">{content}</main>
    </>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, true), [to]);
  return null;
}

function NotFound() {
  return (
    <>
      <h1 tabIndex={-1} id="page-title">Page not found</h1>
      <p><a href="/">See upcoming events</a></p>
    </>
  );
}
