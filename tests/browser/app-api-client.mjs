// A client generated from Neucore's application-api-2.4.0.yaml (swagger-client builds its
// operations from the document, as the PHP, Python and Go clients were generated from it) calls
// the read operations a test names against a running Jumpgate and checks each answers 2xx with
// a body the client reads. Not a browser test; it lives here because the Node tooling does.
//
// Env: SPEC_JSON (the 2.4.0 document as JSON, its server pointing at Jumpgate), APP_TOKEN
// (base64("{id}:{secret}")), CALLS (JSON: [{operationId, parameters, requestBody?}]).

import SwaggerClient from 'swagger-client';
import { readFileSync } from 'node:fs';

const spec = JSON.parse(readFileSync(process.env.SPEC_JSON, 'utf8'));
const calls = JSON.parse(process.env.CALLS);
const client = await SwaggerClient({
  spec,
  authorizations: { BearerAuth: { value: process.env.APP_TOKEN } },
});

let failed = 0;
for (const call of calls) {
  let status;
  let body;
  try {
    const res = await client.execute({
      operationId: call.operationId,
      parameters: call.parameters,
      requestBody: call.requestBody,
    });
    status = res.status;
    body = res.body;
  } catch (e) {
    status = e.status ?? e.response?.status ?? 'no answer';
    body = e.response?.body ?? e.message;
  }
  const ok = typeof status === 'number' && status >= 200 && status < 300;
  const shown = JSON.stringify(body ?? null);
  console.log(`CALL ${call.operationId} ${status} ${shown.length > 160 ? shown.slice(0, 160) + '…' : shown}`);
  if (!ok) failed += 1;
}
if (failed > 0) {
  console.error(`${failed} of ${calls.length} operations did not answer 2xx`);
  process.exit(1);
}
console.log(`OK ${calls.length} operations answered`);
