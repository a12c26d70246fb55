"""The `quickbooks` package for a TypeScript program, as a team outside this repository gets it.

`install_node_packages` compiles the generated Node.js SDK (`sdk/nodejs`) with `tsc`,
packs it (`npm pack`) and `npm install`s the tarball into a new directory outside the
checkout, next to what the SDK's package.json asks for (@pulumi/pulumi, TypeScript, the
Node.js types). Programs link their `node_modules` to that directory's. npm uses its own
cache (~/.npm), so a second run reaches nothing but that cache; a first one, the package
registry only. Without `node` or `npm` it raises (the caller fails, never skips).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from scripts.release import NPM_FLAGS, pack_node_sdk

from . import REPO

# A TypeScript program's files besides index.ts, as `pulumi new typescript` writes them.
TSCONFIG = {
    "compilerOptions": {
        "strict": True,
        "target": "es2020",
        "module": "commonjs",
        "moduleResolution": "node",
        "sourceMap": True,
        "noFallthroughCasesInSwitch": True,
        "noImplicitReturns": True,
        "forceConsistentCasingInFileNames": True,
    },
    "files": ["index.ts"],
}


def _run(cmd: list[str], cwd: Path) -> str:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done.stdout


def install_node_packages(root: Path) -> Path:
    """A `node_modules` under `root` with @pulumi/pulumi and the built SDK; its path."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        raise RuntimeError(
            f"{' and '.join(missing)} not found on PATH: TypeScript programs need "
            "Node.js (with npm)"
        )
    project = root / "typescript"
    # What `make release` does (compiled, packed), then installed beside its dependencies.
    tarball = pack_node_sdk(REPO / "sdk" / "nodejs", project, project)
    _run(["npm", "install", *NPM_FLAGS, f"./{tarball.name}"], project)
    return project / "node_modules"


def typescript_files(project_yaml: str, program: str) -> dict[str, str]:
    """The files of a TypeScript project besides node_modules (the caller links that)."""
    manifest = {"name": "quickbooks-typescript-program", "private": True, "main": "index.ts"}
    return {
        "Pulumi.yaml": project_yaml,
        "index.ts": program,
        "package.json": json.dumps(manifest, indent=2),
        "tsconfig.json": json.dumps(TSCONFIG, indent=2),
    }
