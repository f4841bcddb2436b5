/** The tool's version, printed in generated files (a test keeps it equal to package.json's). */
export const toolVersion = "0.1.0";
