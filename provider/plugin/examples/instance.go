package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	"github.com/quickbooks-instances/pulumi-quickbooks/sdk/go/quickbooks"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		books, err := quickbooks.NewInstance(ctx, "books", &quickbooks.InstanceArgs{
			Name:        pulumi.String("Books"),
			CallbackUrl: pulumi.String("https://hooks.example.com/quickbooks/events"),
			Oauth: &quickbooks.OauthGrantArgs{
				Code:    cfg.RequireSecret("grantCode"),
				RealmId: pulumi.String(cfg.Require("realmId")),
			},
			Tags:     pulumi.StringArray{pulumi.String("team:finance")},
			OnDelete: pulumi.String("release"),
		})
		if err != nil {
			return err
		}
		ctx.Export("instanceId", books.InstanceId)
		return nil
	})
}
