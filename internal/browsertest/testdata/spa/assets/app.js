// A stand-in for the stock React build: it calls the API the way the real
// one does (relative /api/v1, axios without credentials) and writes what it
// saw into #result as JSON, then marks the page done.
const out = { path: location.pathname };
const json = { 'Content-Type': 'application/json' };

async function run() {
  const ping = await fetch('/api/v1/ping');
  out.ping = ping.status;
  const missing = await fetch('/api/v1/no-such-route');
  out.apiMissing = missing.status;
  out.apiMissingType = missing.headers.get('content-type');

  const q = new URLSearchParams(location.search);
  if (q.get('email')) {
    // Two-factor login as the stock frontend does it: login, then
    // PATCH /otp/validate WITHOUT an Authorization header.
    const login = await fetch('/api/v1/users/login', {
      method: 'POST', headers: json,
      body: JSON.stringify({ email: q.get('email'), password: q.get('password') }),
    });
    const body = await login.json();
    out.login = login.status;
    out.otpEnabled = body.otp_enabled;
    out.cookieReadable = document.cookie.includes('portal_otp');
    const bearer = { Authorization: 'Bearer ' + body.token };
    out.pending = (await fetch('/api/v1/users/my', { headers: bearer })).status;
    const validate = await fetch('/api/v1/otp/validate', {
      method: 'PATCH', headers: json, body: JSON.stringify({ token: q.get('code') }),
    });
    out.validate = validate.status;
    out.after = (await fetch('/api/v1/users/my', { headers: bearer })).status;
    // The cookie is gone: a second validate has no token to find.
    out.validateAgain = (await fetch('/api/v1/otp/validate', {
      method: 'PATCH', headers: json, body: JSON.stringify({ token: q.get('code') }),
    })).status;
  }
}

run().catch((e) => { out.error = String(e); }).finally(() => {
  const el = document.getElementById('result');
  el.textContent = JSON.stringify(out);
  el.dataset.done = '1';
});
