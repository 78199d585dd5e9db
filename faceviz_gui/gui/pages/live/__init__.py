"""The Live test page: camera, video and photos through the live pipeline, with attention."""
