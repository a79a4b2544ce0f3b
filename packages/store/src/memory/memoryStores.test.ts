import { describeStoreContract } from "../contract/describeStoreContract.ts";
import { createMemoryStores } from "./createMemoryStores.ts";

describeStoreContract("memory", async () => {
  const stores = createMemoryStores();
  return {
    ...stores,
    putRaw: async (table, item) => stores[table].putRawItem(item),
  };
});
