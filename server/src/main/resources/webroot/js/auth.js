// The server's token in this tab: kept in sessionStorage (never in the address bar), asked for in a
// dialog when a command or a --private server's read needs it, and sent as a bearer token.

const TOKEN_KEY = "coxswain.token";

export function makeAuth() {
  let token = sessionStorage.getItem(TOKEN_KEY);
  let privateReads = false; // the server answered a read with 401: it runs with --private

  function set(t) {
    token = t;
    if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY);
    document.getElementById("token-btn").textContent = t ? "forget token" : "set token";
  }

  /** The dialog; resolves to the token now held (null when none was given). */
  function ask(message) {
    const $ = (id) => document.getElementById(id);
    return new Promise((resolve) => {
      const d = $("token-dialog");
      $("token-input").value = "";
      const p = d.querySelector("p");
      if (message) p.dataset.msg = message;
      p.firstChild.textContent = message ? message + " " : "Commands need the server's token (printed by ";
      d.showModal();
      const done = (ok) => {
        d.close();
        $("token-ok").onclick = null; $("token-cancel").onclick = null;
        if (ok && $("token-input").value.trim()) set($("token-input").value.trim());
        resolve(token);
      };
      $("token-ok").onclick = (ev) => { ev.preventDefault(); done(true); };
      $("token-cancel").onclick = () => done(false);
    });
  }

  /**
   * A GET. Reads are open unless the server runs with --private; then a 401 asks for the token
   * (once) and the read is tried again with it.
   */
  async function read(path) {
    const get = () => fetch(path, { headers: token ? { Authorization: "Bearer " + token } : {} });
    let r = await get();
    if (r.status === 401) {
      privateReads = true;
      if (token) set(null);
      if (!(await ask("This server shows its runs only to holders of its token."))) throw new Error("no token");
      r = await get();
      if (r.status === 401) { set(null); throw new Error("the server refused the token"); }
    }
    return r;
  }

  /** The token may come in the URL fragment printed at start: kept in this tab, the address bar cleared. */
  function takeFromAddress() {
    const hash = new URLSearchParams(location.hash.slice(1));
    if (hash.get("token")) {
      set(hash.get("token"));
      history.replaceState(null, "", location.pathname + location.search);
    } else {
      set(token);
    }
  }

  return { token: () => token, set, ask, read, takeFromAddress, privateReads: () => privateReads };
}
