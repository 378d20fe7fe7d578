module kaic.local/gpu-exporter

go 1.26.0
