import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "**/node_modules/",
      "artifacts/",
      "cache/",
      "typechain-types/",
      "build/",
      "coverage/",
      "deployments/",
      "contracts/generated/",
      "common/src/generated/",
      "**/dist/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
      "no-console": "error",
      eqeqeq: ["error", "always"],
    },
  },
  {
    files: ["test/**", "bench/**", "circuits/**"],
    rules: { "no-console": "off" },
  },
);
