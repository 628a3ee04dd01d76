/** File dialogs as plugins ask for them and panels show them. Pure: no Node, so panels share it. */

/** What a plugin's frame asked the user to choose (the SDK's pickHostFile, pickHostDirectory, saveHostFile). */
export type DialogKind = 'open-file' | 'open-folder' | 'save-file';

export interface FileFilter {
  name: string;
  extensions: string[];
}

/** A file dialog waiting for the user, as panels show it. */
export interface FileDialogRequest {
  id: string;
  pluginId: string;
  pluginName: string;
  kind: DialogKind;
  /** The plugin's words, shown as its words (made safe to show). */
  title: string;
  /** Where the dialog opens: the folder the plugin suggested, if it exists, else the user's home. */
  directory: string;
  /** The user's home folder: choosing it (or `/`) is warned of before it is granted. */
  home: string;
  defaultName: string | null;
  filters: FileFilter[];
  expiresAt: string;
}

/** A folder as the dialog lists it. */
export interface FolderListing {
  path: string;
  parent: string | null;
  entries: Array<{ name: string; folder: boolean }>;
}
