// Cloud Elements QuickBooks Online element instances
package quickbooks
