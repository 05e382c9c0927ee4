/** The `[OpenNebula]` section of im.cfg, as the driver's constructor options. */
export interface OpenNebulaOptions {
  /** `TEMPLATE_CONTEXT`: appended inside `CONTEXT = [ … ]` as it is (must not set SSH_PUBLIC_KEY). */
  templateContext?: string;
  /** `TEMPLATE_OTHER`: appended to the template as it is. */
  templateOther?: string;
  /** `IMAGE_UNAME`: the owner of images named (not numbered) in `one://host/<name>` URLs. */
  imageUname?: string;
}

/** The IM's default `TEMPLATE_OTHER`. */
export const DEFAULT_TEMPLATE_OTHER = 'GRAPHICS = [type="vnc",listen="0.0.0.0"]';

export interface ResolvedOneOptions {
  templateContext: string;
  templateOther: string;
  imageUname?: string;
}

export function resolveOptions(o: OpenNebulaOptions = {}): ResolvedOneOptions {
  return {
    templateContext: o.templateContext ?? "",
    templateOther: o.templateOther ?? DEFAULT_TEMPLATE_OTHER,
    ...(o.imageUname ? { imageUname: o.imageUname } : {}),
  };
}
