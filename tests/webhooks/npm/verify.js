// Verifies webhook deliveries with standardwebhooks, the library of the
// Standard Webhooks authors, so that the daemon's signing is checked by an
// implementation other than its own and the tests' own.
//
// Reads {"deliveries": [{"secret", "headers": {...}, "body"}]} on stdin. Each
// delivery must verify under its secret, and the same delivery with one byte
// of its body changed must not. Prints {"verified": n, "failures": [...]} and
// exits 1 when anything failed or nothing was given.
import { Webhook } from "standardwebhooks";

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
const { deliveries } = JSON.parse(input);

const failures = [];
let verified = 0;
for (const d of deliveries) {
  const hook = new Webhook(d.secret.replace(/^whsec_/, ""));
  try {
    const payload = hook.verify(d.body, d.headers);
    if (payload.type === undefined) throw new Error("the verified payload has no type");
    verified++;
  } catch (e) {
    failures.push(`${d.headers["webhook-id"]}: ${e.message}`);
    continue;
  }
  try {
    hook.verify(d.body.replace(/.$/, " "), d.headers);
    failures.push(`${d.headers["webhook-id"]}: a changed body verified too`);
  } catch (e) {
    // expected: the signature covers the body
  }
}
console.log(JSON.stringify({ verified, failures }));
process.exit(failures.length > 0 || verified === 0 ? 1 : 0);
