import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { de } from './de';
import { en } from './en';

const flat = (messages: Record<string, Record<string, string>>) => Object.entries(messages).flatMap(([section, texts]) => Object.entries(texts).map(([key, text]) => [`${section}.${key}`, text] as const));
/** What a text must keep in every language: its `{{values}}` and `<tags>`. */
const slots = (text: string) => [...text.matchAll(/\{\{\w+\}\}|<\/?\w+>/g)].map((m) => m[0]).sort();

const SRC = join(import.meta.dirname, '..');
/** Attributes a user reads or hears. */
const SPOKEN = new Set(['aria-label', 'title', 'placeholder', 'label', 'alt', 'panelLabel']);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.tsx') && !e.name.includes('.test.') ? [path] : [];
  });
}

/** Words written straight into the JSX of a file, where a translation should be. */
function literalTexts(path: string): string[] {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const words = /\p{L}{2}/u;
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node) && words.test(node.text)) found.push(node.text.trim());
    if (ts.isJsxAttribute(node) && SPOKEN.has(node.name.getText(file)) && node.initializer && ts.isStringLiteral(node.initializer) && words.test(node.initializer.text)) found.push(node.initializer.text);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('translations', () => {
  it('German has every English text, none empty, with the same values and tags', () => {
    const german = new Map(flat(de));
    for (const [key, text] of flat(en)) {
      expect(german.get(key), key).toBeTruthy();
      expect(slots(german.get(key) ?? ''), key).toEqual(slots(text));
    }
    expect(german.size).toBe(flat(en).length);
  });

  it('no component writes a user-facing text itself: each goes through t()', () => {
    const untranslated = sources(SRC)
      .map((path) => relative(SRC, path))
      .flatMap((path) => literalTexts(join(SRC, path)).map((text) => `${path}: ${text}`));
    expect(untranslated).toEqual([]);
  });
});
