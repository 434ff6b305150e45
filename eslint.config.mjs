// @ts-check
// ESLint flat config: eslint's and typescript-eslint's recommended rules, type-checked
// (the whole tree lints in well under a minute on 2 cores), with Prettier owning layout.
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier/flat';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Test code: specs, the shared test support, the CLI's and the SDK's e2e folders, the server-process test kit. */
const TEST_FILES = ['**/*.spec.ts', 'test/**', 'apps/*/test/**', 'libs/*/test/**', 'libs/testkit/**'];

export default defineConfig(
  globalIgnores(['dist/', 'data/', 'coverage/', '.parley/']),

  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      // Each file is type-checked with the nearest tsconfig.json: the root one covers every .ts file.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_`-prefixed names mark parameters an interface requires but the body doesn't use,
      // and `const { a: _a, ...rest }` drops a key on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrors: 'all',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // Off: `async` without `await` is how Promise-returning interfaces are implemented here
      // (libsignal's stores, DeliveryBus, Nest lifecycle hooks), and it turns throws into rejections.
      '@typescript-eslint/require-await': 'off',
      // Off: wire values (numbers and strings from JSON, e.g. ParleyApiError.error: ErrorCode | string)
      // are compared with enum members by design.
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
    },
  },

  {
    files: TEST_FILES,
    languageOptions: { globals: { ...globals.jest } },
    rules: {
      // Off in tests: response bodies are read loosely (ApiResponse<T = any>) to assert on them,
      // so `any` and its uses are deliberate there; production code keeps these rules.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },

  // Plain JavaScript is not part of any tsconfig: lint it without type information.
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // package.json has no "type": "module", so .js files are CommonJS like .cjs ones.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: {
      // Off: require() is the module system of CommonJS files.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },

  // Last: turns off every rule that would fight Prettier's formatting.
  prettier,
);
