// ESLint (flat config), run in CI by `npm run lint`. typescript-eslint's type-aware rules catch
// what tsc lets through in an async, chain-facing code base: promises nobody awaits, `any`
// leaking across module boundaries.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "artifacts/", "cache/", "typechain-types/", "dist/", "coverage/", "bin/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Instruction.op is a number that holds a MapOp or a ReduceOp depending on the kind: the
      // program encoding is numeric by design, so comparing it with either enum is intended.
      "@typescript-eslint/no-unsafe-enum-comparison": "off",
      // Functions that satisfy an async interface (a trace, a chain reader) may not await.
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        {
          allowNumber: true,
          allowBoolean: true,
          allowArray: true,
          allowNever: true,
          allow: [{ from: "lib", name: "BigInt" }],
        },
      ],
    },
  },
  {
    // Tests read JSON that the CLI and the agents print (JSON.parse gives any): a wrong field
    // fails the test's own assertion, so the unsafe-any family would add casts, not checks.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
);
