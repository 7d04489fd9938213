export function renderTables(actionYml: string): { inputs: string; outputs: string };
export function replaceBlock(text: string, name: string, body: string): string;
