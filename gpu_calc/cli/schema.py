"""``gpucalc schema``: the JSON Schema of the scenario file, for editors."""

from __future__ import annotations

from gpu_calc.cli.app import app
from gpu_calc.cli.common import OutputOption, write_output


@app.command()
def schema(*, output: OutputOption = None) -> None:
    """Print the JSON Schema of the scenario file, for editors.

    The schema follows JSON Schema draft 2020-12.
    Save it and point your editor at it with a first line in the scenario:
    '# yaml-language-server: $schema=scenario.schema.json'.

    \b
    Example:
      gpucalc schema -o scenario.schema.json
    """
    from gpu_calc.schema import schema_text

    write_output(schema_text(), output)
