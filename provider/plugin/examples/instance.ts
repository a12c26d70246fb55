import * as pulumi from "@pulumi/pulumi";
import * as quickbooks from "@quickbooks-instances/quickbooks";

const config = new pulumi.Config();
const books = new quickbooks.Instance("books", {
    name: "Books",
    callbackUrl: "https://hooks.example.com/quickbooks/events",
    oauth: {
        code: config.requireSecret("grantCode"),
        realmId: config.require("realmId"),
    },
    tags: ["team:finance"],
    onDelete: "release",
});
export const instanceId = books.instanceId;
