"""Documents made from our pages: PDF/A files of protocols and extracts (``pdf``)."""
