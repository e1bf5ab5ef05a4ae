// An ES module handler (`lean/esm.handler`), loaded with dynamic import.
export const handler = async (event, context) => ({
  statusCode: 200,
  body: JSON.stringify({ module: 'esm', path: event.path, functionName: context.functionName }),
});
