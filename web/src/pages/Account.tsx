import { useState } from "preact/hooks";
import { CognitoError, confirmSignUp, resendCode, signIn, signUp } from "../auth";
import { cfg } from "../config";
import { ErrorBox, Field, Notice, Title } from "../components/ui";
import { navigate } from "../router";

function nextPath(query: URLSearchParams): string {
  const n = query.get("next") ?? "/";
  // Only paths on this site: never an open redirect.
  return n.startsWith("/") && !n.startsWith("//") ? n : "/";
}

function value(e: Event) {
  return (e.target as HTMLInputElement).value;
}

export function SignIn({ query }: { query: URLSearchParams }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const next = nextPath(query);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(email.trim(), password);
      navigate(next, true);
    } catch (err) {
      if (err instanceof CognitoError && err.type === "UserNotConfirmedException") {
        navigate("/signup?confirm=" + encodeURIComponent(email.trim()) + "&next=" + encodeURIComponent(next));
        return;
      }
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <Title>Sign in</Title>
      <form class="narrow" onSubmit={submit}>
        <Field label="Email" type="email" name="email" autoComplete="username" required value={email} onInput={(e) => setEmail(value(e))} />
        <Field label="Password" type="password" name="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(value(e))} />
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>Sign in</button>
      </form>
      <p>New here? <a href={"/signup?next=" + encodeURIComponent(next)}>Create an account</a></p>
    </>
  );
}

export function SignUp({ query }: { query: URLSearchParams }) {
  const [email, setEmail] = useState(query.get("confirm") ?? "");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [stage, setStage] = useState<"form" | "confirm">(query.get("confirm") ? "confirm" : "form");
  const [error, setError] = useState<unknown>();
  const [info, setInfo] = useState("");
  const [busy, setBusy] = useState(false);
  const next = nextPath(query);

  async function run(f: () => Promise<void>) {
    setBusy(true);
    setError(undefined);
    try {
      await f();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const submit = (e: Event) => {
    e.preventDefault();
    run(async () => {
      const r = await signUp(email.trim(), password);
      if (r.confirmed) {
        await signIn(email.trim(), password);
        navigate(next, true);
      } else setStage("confirm");
    });
  };

  const confirm = (e: Event) => {
    e.preventDefault();
    run(async () => {
      await confirmSignUp(email.trim(), code.trim());
      if (password) {
        await signIn(email.trim(), password);
        navigate(next, true);
      } else navigate("/signin?next=" + encodeURIComponent(next), true);
    });
  };

  if (stage === "confirm") {
    return (
      <>
        <Title>Confirm your email</Title>
        <p>We sent a code to <strong>{email}</strong>.{cfg().local && " (The local stack sends no email and accepts any code.)"}</p>
        <form class="narrow" onSubmit={confirm}>
          <Field label="Confirmation code" name="code" inputMode="numeric" autoComplete="one-time-code" required value={code} onInput={(e) => setCode(value(e))} />
          <ErrorBox error={error} />
          {info && <Notice>{info}</Notice>}
          <button type="submit" disabled={busy}>Confirm</button>{" "}
          <button type="button" class="secondary" disabled={busy} onClick={() => run(async () => { await resendCode(email.trim()); setInfo("A new code is on its way."); })}>Send a new code</button>
        </form>
      </>
    );
  }
  return (
    <>
      <Title>Create an account</Title>
      <form class="narrow" onSubmit={submit}>
        <Field label="Email" type="email" name="email" autoComplete="username" required value={email} onInput={(e) => setEmail(value(e))} />
        <Field label="Password" type="password" name="password" autoComplete="new-password" required minLength={10}
          hint="At least 10 characters with upper and lower case letters and a number."
          value={password} onInput={(e) => setPassword(value(e))} />
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>Create account</button>
      </form>
      <p>Have an account? <a href={"/signin?next=" + encodeURIComponent(next)}>Sign in</a></p>
    </>
  );
}
