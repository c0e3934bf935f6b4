"""The console's views as data: domain objects, the viewer and now in; plain dataclasses out (templates only lay out)."""
