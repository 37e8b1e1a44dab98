module github.com/vitals-go/vitals

go 1.26.8

require github.com/rcrowley/go-metrics v0.0.0-20250401214520-65e299d6c5c9 // indirect
