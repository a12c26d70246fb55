import pulumi
import pulumi_quickbooks as quickbooks

books = quickbooks.get_instance_output(name="Books")
pulumi.export("booksId", books.instance_id)
pulumi.export("booksCallback", books.callback_url)
