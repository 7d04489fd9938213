// Renders README's input and output tables from action.yml. `node scripts/readme-tables.mjs --write`
// rewrites them in place; a test checks README holds exactly what this renders.
import * as fs from 'node:fs';
import { parse } from 'yaml';

const cell = (text) =>
  String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ')
    .trim();

export function renderTables(actionYml) {
  const action = parse(actionYml);
  const inputs = [
    '| Input | Default | Description |',
    '| --- | --- | --- |',
    ...Object.entries(action.inputs).map(
      ([name, spec]) =>
        `| \`${name}\` | ${spec.default === undefined ? '' : `\`${cell(spec.default)}\``} | ${cell(spec.description)} |`,
    ),
  ].join('\n');
  const outputs = [
    '| Output | Description |',
    '| --- | --- |',
    ...Object.entries(action.outputs).map(([name, spec]) => `| \`${name}\` | ${cell(spec.description)} |`),
  ].join('\n');
  return { inputs, outputs };
}

export function replaceBlock(text, name, body) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1) throw new Error(`README has no ${start} … ${end} block`);
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
}

if (process.argv.includes('--write')) {
  const tables = renderTables(fs.readFileSync('action.yml', 'utf8'));
  let readme = fs.readFileSync('README.md', 'utf8');
  readme = replaceBlock(readme, 'inputs', tables.inputs);
  readme = replaceBlock(readme, 'outputs', tables.outputs);
  fs.writeFileSync('README.md', readme);
}
