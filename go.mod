module github.com/crmkit/crm

go 1.24

require (
	github.com/shopspring/decimal v1.4.0 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
)
