/** action.yml, bundled as text (esbuild's text loader; vitest.config.ts does the same for tests). */
declare module '*.yml' {
  const text: string;
  export default text;
}
