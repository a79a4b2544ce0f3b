export { type AttributeType, type TableDefinition, type TableKey, tables } from "./tables.ts";
