/** Minimal types for the parts of jexl 2.x the IVR uses (the package ships none). */
declare module 'jexl' {
  export interface JexlAst {
    type: string;
    [key: string]: unknown;
  }
  export interface Expression {
    compile(): Expression;
    eval(context?: object): Promise<unknown>;
    evalSync(context?: object): unknown;
    _getAst(): JexlAst;
  }
  export class Jexl {
    constructor();
    compile(expression: string): Expression;
    addFunction(name: string, fn: (...args: never[]) => unknown): void;
    addTransform(name: string, fn: (value: never, ...args: never[]) => unknown): void;
    removeOp(operator: string): void;
    eval(expression: string, context?: object): Promise<unknown>;
    evalSync(expression: string, context?: object): unknown;
  }
  const jexl: Jexl & { Jexl: typeof Jexl };
  export default jexl;
}
