// Accounts: register, verify the address, sign in, change and reset the password.

import { api, session, signIn } from "../api.js";
import { navigate } from "../app.js";
import { h, render, field, form, notice, showError } from "../ui.js";

function signedInNav() {
  window.dispatchEvent(new Event("invigil:session"));
}

export function register(main) {
  const [emailField] = field("E-mail address", { name: "email", type: "email", autocomplete: "email", required: true });
  const [nameField] = field("Full name, as it should appear on certificates", { name: "full_name", autocomplete: "name", required: true });
  const [passwordField] = field("Password (at least 12 characters)", {
    name: "password", type: "password", autocomplete: "new-password", minlength: 12, required: true,
  });
  render(
    main,
    "Register",
    h("p", {}, "Create a candidate account. We send you a link to verify your e-mail address before your first exam."),
    form([emailField, nameField, passwordField], "Create account", async (values, status) => {
      await api("/v1/auth/register", { method: "POST", body: values, auth: false });
      await signIn(values.email, values.password);
      signedInNav();
      status.className = "notice success";
      status.textContent = "Account created. Check your mailbox for the verification link.";
      navigate("/account?registered=1", { replace: true });
    }),
    h("p", {}, "Already registered? ", h("a", { href: "/sign-in" }, "Sign in")),
  );
}

export function signInPage(main, params, query) {
  const [emailField] = field("E-mail address", { name: "email", type: "email", autocomplete: "username", required: true });
  const [passwordField] = field("Password", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const next = query.get("next");
  render(
    main,
    "Sign in",
    form([emailField, passwordField], "Sign in", async (values) => {
      const s = await signIn(values.email, values.password);
      signedInNav();
      const home = s.me && (s.me.role === "proctor" || s.me.role === "admin") ? "/proctor" : "/";
      navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : home, { replace: true });
    }),
    h("p", {}, h("a", { href: "/reset-password" }, "Forgot your password?"), " · ", h("a", { href: "/register" }, "Register")),
  );
}

export async function verifyEmail(main, params, query) {
  const token = query.get("token");
  const status = notice(token ? "Verifying your address…" : "");
  render(main, "Verify your e-mail address", status);
  if (!token) {
    status.textContent = "Open the link in the message we sent you. ";
    main.append(resendButton());
    return;
  }
  try {
    await api("/v1/auth/verify-email", { method: "POST", body: { token }, auth: false });
    status.className = "notice success";
    status.textContent = "Your e-mail address is verified. You can take exams now.";
    const s = session();
    if (s && s.me) {
      s.me.email_verified = true;
      localStorage.setItem("invigil.session", JSON.stringify(s));
    }
    main.append(h("p", {}, h("a", { href: "/" }, "See the certifications")));
  } catch (e) {
    showError(status, e);
    if (session()) main.append(resendButton());
  }
}

function resendButton() {
  const status = notice();
  const button = h("button", {
    type: "button",
    onclick: async () => {
      button.disabled = true;
      try {
        await api("/v1/auth/verify-email/resend", { method: "POST", body: {} });
        status.textContent = "A new link is on its way.";
      } catch (e) {
        showError(status, e);
      } finally {
        button.disabled = false;
      }
    },
  }, "Send the link again");
  return h("div", {}, button, status);
}

export function resetPassword(main, params, query) {
  const token = query.get("token");
  if (!token) {
    const [emailField] = field("E-mail address", { name: "email", type: "email", autocomplete: "email", required: true });
    render(
      main,
      "Reset your password",
      h("p", {}, "We send a link to reset your password to the address of your account. It works once, for 30 minutes."),
      form([emailField], "Send the link", async (values, status) => {
        await api("/v1/auth/password-reset", { method: "POST", body: { email: values.email }, auth: false });
        status.className = "notice success";
        status.textContent = "If an account has this address, a link is on its way.";
      }),
    );
    return;
  }
  const [passwordField] = field("New password (at least 12 characters)", {
    name: "new_password", type: "password", autocomplete: "new-password", minlength: 12, required: true,
  });
  render(
    main,
    "Choose a new password",
    form([passwordField], "Set the password", async (values, status) => {
      await api("/v1/auth/password-reset/confirm", {
        method: "POST", body: { token, new_password: values.new_password }, auth: false,
      });
      status.className = "notice success";
      status.textContent = "Your password is changed, and every other session is signed out. ";
      status.append(h("a", { href: "/sign-in" }, "Sign in"));
    }),
  );
}

export async function accountPage(main, params, query) {
  const s = session();
  if (!s) return navigate("/sign-in?next=/account", { replace: true });
  const me = await api("/v1/me");
  const [currentField] = field("Current password", { name: "current_password", type: "password", autocomplete: "current-password", required: true });
  const [newField] = field("New password (at least 12 characters)", { name: "new_password", type: "password", autocomplete: "new-password", minlength: 12, required: true });
  render(
    main,
    "Your account",
    query.get("registered") ? notice("Account created. Check your mailbox for the verification link.", "success") : null,
    h("dl", {},
      h("dt", {}, "Name"), h("dd", {}, me.full_name),
      h("dt", {}, "E-mail address"), h("dd", {}, me.email, " ", me.email_verified ? "(verified)" : "(not verified yet)"),
      h("dt", {}, "Role"), h("dd", {}, me.role)),
    me.email_verified ? null : h("section", {}, h("h2", {}, "Verify your address"),
      h("p", {}, "You can prepare now; to start an exam, open the link we sent you."), resendButton()),
    h("section", {}, h("h2", {}, "Change your password"),
      form([currentField, newField], "Change password", async (values, status) => {
        await api("/v1/me/password", { method: "POST", body: values });
        status.className = "notice success";
        status.textContent = "Password changed. Your other sessions are signed out.";
      })),
  );
}
