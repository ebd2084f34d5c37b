import { config } from 'zod';

// The page's CSP has no 'unsafe-eval'. Zod 4 probes `new Function('')` when the first object schema is
// built, to decide whether to compile its parsers; under the CSP the probe fails harmlessly but reports a
// CSP violation on every page. Jitless skips the probe (parsing stays correct, without the compiled fast
// path). main.tsx imports this module before anything that defines schemas (@confer/shared).
config({ jitless: true });
