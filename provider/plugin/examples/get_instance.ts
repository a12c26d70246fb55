import * as quickbooks from "@quickbooks-instances/quickbooks";

const books = quickbooks.getInstanceOutput({ name: "Books" });
export const booksId = books.instanceId;
export const booksCallback = books.callbackUrl;
