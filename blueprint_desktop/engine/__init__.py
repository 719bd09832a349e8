"""The adequacy engine: credited providers, nearest distances, county rollups, confidence, targets."""
