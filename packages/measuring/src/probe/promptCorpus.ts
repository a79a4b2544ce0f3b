import { getRandomValues } from "node:crypto";

/** One probe prompt: what a buyer might send, and, for a challenge, what the answer must contain. */
export interface ProbePrompt {
  readonly prompt: string;
  readonly maxTokens: number;
  readonly temperature: number;
  /** Text the answer must contain (a challenge whose answer is known); absent for free-form prompts. */
  readonly expect?: string;
}

/** Free-form prompts of varied kind and length, as paying buyers send them (their answers are not checked). */
const FREE_FORM: readonly (readonly [string, number])[] = [
  ["Summarize the main causes of the 2008 financial crisis in three sentences.", 160],
  ["Write a haiku about autumn rain on a tin roof.", 48],
  ["Explain the difference between TCP and UDP to a junior developer.", 220],
  ["Translate into French: The meeting has been moved to Thursday afternoon.", 40],
  ["Give me five name ideas for a small bakery that specializes in sourdough.", 80],
  ["What are the trade-offs between PostgreSQL and DynamoDB for an order history table?", 256],
  ["Draft a polite email declining a vendor's proposal while keeping the door open.", 200],
  ["List three common mistakes when writing unit tests, with one line each.", 120],
  ["Describe how a bloom filter works and when it gives false positives.", 200],
  ["Rewrite this sentence to sound more formal: gonna need that report by friday.", 40],
  ["Suggest a weekly beginner running plan for someone training for a 5k.", 240],
  ["Write a SQL query that returns the ten customers with the highest total order value.", 120],
  ["Explain what a Merkle tree is in plain words, with a short example.", 180],
  ["Compose a two-line product description for a stainless steel water bottle.", 48],
  ["What should I check before merging a pull request that changes a database schema?", 200],
  ["Tell me a short fun fact about octopuses.", 64],
];

/** Challenges whose answer is computable: the model is asked to repeat a fresh code, and must. */
const ECHO_TEMPLATES: readonly string[] = [
  "Repeat this order reference exactly, with nothing else: {code}",
  "Please copy the following ticket id back to me verbatim: {code}",
  "For my records, echo this confirmation code exactly as written: {code}",
];

const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

function freshCode(random: (max: number) => number): string {
  const part = (n: number) => Array.from({ length: n }, () => CODE_ALPHABET[random(CODE_ALPHABET.length)]).join("");
  return `${part(3)}-${part(4)}-${part(3)}`;
}

/**
 * A uniform integer in [0, max) (max <= 65,536) from the system's secure random source, by rejection on 16-bit draws,
 * with small-integer maths only. Not `crypto.randomInt`: it takes a float remainder (fmod, x87 instructions), and
 * native code sharing the process can leave the x87 stack dirty (litesvm does, see the devnet's Solana ledger), which
 * turns that remainder into NaN and makes `randomInt` loop forever: the local main job's probers hung that way.
 *
 * @example secureRandomBelow(4); // 0, 1, 2 or 3
 */
export function secureRandomBelow(max: number): number {
  if (!Number.isInteger(max) || max < 1 || max > 65_536) throw new RangeError(`max must be in [1, 65536], got ${max}`);
  const limit = 65_536 - (65_536 % max);
  const draw = new Uint16Array(1);
  for (;;) {
    getRandomValues(draw);
    const x = draw[0] ?? 0;
    if (x < limit) return x % max;
  }
}

/** How often a probe is a checked challenge rather than a free-form prompt. */
const CHALLENGE_ONE_IN = 3;

/**
 * Draws a probe prompt: mostly a free-form buyer-like prompt from a varied corpus, one in three an echo challenge
 * with a fresh random code the answer must contain (a canned reply cannot pass it). `random(max)` draws an integer in
 * [0, max) (default: {@link secureRandomBelow}), injectable for tests.
 *
 * @example const { prompt, maxTokens, expect } = drawProbePrompt();
 */
export function drawProbePrompt(random: (max: number) => number = secureRandomBelow): ProbePrompt {
  const temperature = [0.2, 0.5, 0.7, 1][random(4)] ?? 0.7;
  if (random(CHALLENGE_ONE_IN) === 0) {
    const code = freshCode(random);
    const template = ECHO_TEMPLATES[random(ECHO_TEMPLATES.length)] ?? "{code}";
    return { prompt: template.replace("{code}", code), maxTokens: 32, temperature, expect: code };
  }
  const [prompt, maxTokens] = FREE_FORM[random(FREE_FORM.length)] ?? ["Hello!", 32];
  return { prompt, maxTokens, temperature };
}

/**
 * The request headers openai-node (the OpenAI-compatible client buyers use) sends with a completion, so a probe
 * looks like a buyer's call; no cache-control or other prober-only header.
 *
 * @example headers: { ...buyerClientHeaders(), authorization: `Bearer ${apiKey}` }
 */
export function buyerClientHeaders(): Record<string, string> {
  return {
    accept: "application/json",
    "content-type": "application/json",
    "user-agent": "OpenAI/JS 4.104.0",
    "x-stainless-lang": "js",
    "x-stainless-package-version": "4.104.0",
    "x-stainless-os": "Linux",
    "x-stainless-arch": "x64",
    "x-stainless-runtime": "node",
    "x-stainless-runtime-version": process.version,
    "x-stainless-retry-count": "0",
  };
}
