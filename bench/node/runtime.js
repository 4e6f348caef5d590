// A minimal Lambda runtime loop (the custom-runtime API), enough to run the
// handler through the same harness as the Rust binaries.
const { handler } = require('./handler');

const api = `http://${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime`;

(async () => {
  for (;;) {
    const next = await fetch(`${api}/invocation/next`);
    const id = next.headers.get('lambda-runtime-aws-request-id');
    const event = await next.json();
    try {
      const result = await handler(event);
      await fetch(`${api}/invocation/${id}/response`, { method: 'POST', body: JSON.stringify(result) });
    } catch (error) {
      await fetch(`${api}/invocation/${id}/error`, {
        method: 'POST',
        body: JSON.stringify({ errorType: error.name, errorMessage: error.message }),
      });
    }
  }
})();
