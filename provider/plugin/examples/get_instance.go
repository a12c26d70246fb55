package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/quickbooks-instances/pulumi-quickbooks/sdk/go/quickbooks"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		books := quickbooks.LookupInstanceOutput(ctx, quickbooks.LookupInstanceOutputArgs{
			Name: pulumi.String("Books"),
		})
		ctx.Export("booksId", books.InstanceId())
		ctx.Export("booksCallback", books.CallbackUrl())
		return nil
	})
}
