/** The sandboxes share no code with the console, in either direction: the lint rule that says so really bites. */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('independence of the sandboxes', () => {
  it.each([
    ['src/sandbox/sonlet/probe.ts', "import type { SonletItem } from '../../sonlet/types.js';\nexport type X = SonletItem;\n"],
    ['src/sandbox/plugboard/probe.ts', "import { toDecimalString } from '../../plugboard/format.js';\nexport const x = toDecimalString;\n"],
    ['src/sandbox/probe.ts', "import { x } from '../inventory/browse.js';\nexport const y = x;\n"],
    ['src/sandbox/sonlet/probe.ts', "import { x } from '../../routes/plugboard.js';\nexport const y = x;\n"],
  ])('refuses %s importing the console: %s', async (file, code) => {
    expect(await restrictedImports(file, code)).toEqual([expect.stringMatching(/share no code with the console/)]);
  });

  it('refuses console code importing a sandbox, and lets the process entry mount them', async () => {
    const code = "import { DEMO_PLUGBOARD_TENANTS } from '../sandbox/plugboard/index.js';\nexport const t = DEMO_PLUGBOARD_TENANTS;\n";
    expect(await restrictedImports('src/routes/probe.ts', code)).toEqual([expect.stringMatching(/does not import the sandboxes/)]);
    expect(await restrictedImports('src/app.ts', code.replace('../sandbox', './sandbox'))).toHaveLength(1);
    expect(await restrictedImports('src/server.ts', code.replace('../sandbox', './sandbox'))).toEqual([]);
    expect(await restrictedImports('src/sandbox/plugboard/probe.ts', "import { esc } from '../html.js';\nexport const e = esc;\n")).toEqual([]);
  });
});
